"""The fields a clinic's spreadsheet is mapped onto, the words clinics use for them (English, French,
German), and the words they use for sample types and primary containers (mapped to SPREC codes).

Header words and values are compared after :func:`fold`: lower case, accents removed, every run of
non-letters and non-digits one space ("N° tube" → "n tube", "Date de prélèvement" → "date de prelevement").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final, Literal

FieldKind = Literal["barcode", "text", "code", "minutes", "datetime", "time", "volume", "unit", "int", "bool",
                    "position"]
ImportKind = Literal["manifest", "inventory"]
IMPORT_KINDS: tuple[ImportKind, ...] = ("manifest", "inventory")

_FOLD_RE = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """Lower case, no accents, one space between words: what header and value matching compares."""
    decomposed = unicodedata.normalize("NFKD", text.replace("ß", "ss").replace("µ", "u").replace("μ", "u"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return _FOLD_RE.sub(" ", plain).strip()


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str
    kind: FieldKind
    synonyms: tuple[str, ...]
    required_for: tuple[ImportKind, ...] = ()
    used_by: tuple[ImportKind, ...] = IMPORT_KINDS
    description: str = ""


FIELDS: Final[tuple[FieldSpec, ...]] = (
    FieldSpec("clinic_barcode", "Clinic tube barcode", "barcode",
              ("sample barcode", "tube barcode", "barcode", "tube id", "n tube", "no tube", "numero tube",
               "numero de tube", "tube number", "tube no", "code barre", "code barres", "code barre tube",
               "probennummer", "proben nr", "proben id", "rohrchen nr", "rohrchennummer", "barcode rohrchen",
               "specimen id", "specimen barcode", "sample id", "external barcode", "external id", "id echantillon",
               "numero echantillon", "n echantillon"),
              required_for=("manifest",), description="The barcode on the clinic's tube, kept as text."),
    FieldSpec("pseudonym", "Participant pseudonym", "text",
              ("participant", "participant id", "patient id", "pseudonym", "pseudonyme", "subject", "subject id",
               "donor", "donor id", "code patient", "id patient", "identifiant patient", "code participant",
               "patienten id", "patientennummer", "proband", "probanden id", "teilnehmer", "teilnehmer id",
               "studien id", "pseudonym id", "code sujet", "sujet"),
              required_for=IMPORT_KINDS, description="The participant's pseudonym in the study (never a name)."),
    FieldSpec("study", "Study", "code",
              ("study", "study code", "etude", "code etude", "studie", "protocol", "protocole", "cohort", "cohorte",
               "kohorte", "projet", "project", "projekt"),
              required_for=IMPORT_KINDS, description="The study code, as registered in this biobank."),
    FieldSpec("visit", "Visit / time point", "text",
              ("visit", "visite", "timepoint", "time point", "zeitpunkt", "besuch", "event", "evenement", "temps",
               "visit code", "visite code")),
    FieldSpec("sample_type", "Sample type", "code",
              ("sample type", "specimen type", "material", "material type", "materiel", "type d echantillon",
               "type echantillon", "type de prelevement", "nature", "nature echantillon", "probenart", "probentyp",
               "probenmaterial", "matrix", "sample", "specimen", "echantillon", "type"),
              required_for=IMPORT_KINDS, description="SPREC sample type code (SER, PL1, BLD …)."),
    FieldSpec("container", "Primary container", "code",
              ("tube", "tube type", "container", "primary container", "contenant", "type de tube", "tube primaire",
               "rohrchen", "rohrchentyp", "gefass", "gefasstyp", "collection tube"),
              description="SPREC primary-container code (SST, PED, PPS …)."),
    FieldSpec("volume", "Volume", "volume",
              ("volume", "vol", "volumen", "menge", "quantite", "amount", "quantity", "volume ml", "volume ul",
               "volume µl", "initial amount", "stored amount")),
    FieldSpec("volume_unit", "Volume unit", "unit",
              ("unit", "unite", "einheit", "volume unit", "unite volume", "amount unit", "units")),
    FieldSpec("collected_at", "Collection date and time", "datetime",
              ("collected", "collection", "collection date", "collection date time", "date of collection",
               "collection datetime", "date collected", "date de prelevement", "prelevement", "date prelevement",
               "date et heure de prelevement", "entnahmedatum", "entnahme", "abnahmedatum", "abnahme",
               "sampling date", "draw date", "date drawn", "date", "datum"),
              description="When the sample was taken (local time of the lab when no zone is given)."),
    FieldSpec("collection_time", "Collection time", "time",
              ("collection time", "time of collection", "heure de prelevement", "heure prelevement", "heure",
               "entnahmezeit", "entnahme uhrzeit", "uhrzeit", "time")),
    FieldSpec("received_at", "Received at", "datetime",
              ("received", "reception", "date de reception", "received date", "date received", "eingang",
               "eingangsdatum", "probeneingang")),
    FieldSpec("centrifugation_start", "Centrifugation start", "datetime",
              ("centrifuged", "centrifugation", "centrifugation start", "debut centrifugation",
               "centrifugation debut", "zentrifugation", "zentrifugiert", "zentrifugation start", "spun",
               "processing", "processed", "traitement", "verarbeitung", "processing date")),
    FieldSpec("centrifugation_end", "Centrifugation end", "datetime",
              ("centrifugation end", "fin centrifugation", "centrifugation fin", "zentrifugation ende",
               "end of centrifugation")),
    FieldSpec("frozen_at", "Frozen at", "datetime",
              ("frozen", "freezing", "freezing date", "date frozen", "congele", "congelation",
               "date de congelation", "eingefroren", "einfrieren", "einfrierdatum", "gefroren", "stored",
               "storage date")),
    # Fluids: the temperature between collection and centrifugation, and between centrifugation and freezing
    # (SPREC elements 3 and 6 need them with the times).
    FieldSpec("pre_centrifugation_temp", "Pre-centrifugation temperature", "code",
              ("pre centrifugation temperature", "pre centrifugation temp", "temperature before centrifugation",
               "pre analytical temperature", "temperature pre centrifugation", "temperature avant centrifugation",
               "temperature de transport avant centrifugation", "temperatur vor zentrifugation",
               "temperatur vor der zentrifugation", "lagertemperatur vor zentrifugation"),
              used_by=("manifest",), description="RT (18–28 °C), COLD (2–10 °C) or BODY (35–38 °C)."),
    FieldSpec("post_centrifugation_temp", "Post-centrifugation temperature", "code",
              ("post centrifugation temperature", "post centrifugation temp", "temperature after centrifugation",
               "temperature post centrifugation", "temperature apres centrifugation",
               "temperatur nach zentrifugation", "temperatur nach der zentrifugation",
               "lagertemperatur nach zentrifugation"),
              used_by=("manifest",), description="RT (18–28 °C), COLD (2–10 °C) or BODY (35–38 °C)."),
    # Solid tissue (the cancer cohorts' tumour and normal tissue): SPREC solid elements 2-5.
    FieldSpec("collection_type", "Type of collection (tissue)", "code",
              ("type of collection", "collection type", "collection method", "type de prelevement tissu",
               "mode de prelevement", "entnahmeart", "sprec collection"),
              description="SPREC solid type of collection code (SRG surgical excision, BPS biopsy, …)."),
    FieldSpec("warm_ischemia", "Warm ischaemia (min)", "minutes",
              ("warm ischemia", "warm ischaemia", "warm ischemia time", "warm ischaemia time", "ischemie chaude",
               "warme ischamie", "warme ischamiezeit"),
              description="Minutes of warm ischaemia, or a SPREC code (N, X, Z)."),
    FieldSpec("cold_ischemia", "Cold ischaemia (min)", "minutes",
              ("cold ischemia", "cold ischaemia", "cold ischemia time", "cold ischaemia time", "ischemie froide",
               "kalte ischamie", "kalte ischamiezeit"),
              description="Minutes of cold ischaemia, or a SPREC code (N, X, Z)."),
    FieldSpec("fixation", "Fixation", "code",
              ("fixation", "fixation type", "fixative", "fixateur", "type de fixation", "fixierung", "fixiermittel"),
              description="SPREC solid fixation code (NBF, SNP, …)."),
    FieldSpec("fixation_time", "Fixation time (min)", "minutes",
              ("fixation time", "duree de fixation", "temps de fixation", "fixierdauer", "fixierzeit"),
              description="Minutes of fixation, or a SPREC code (N, X, Z)."),
    FieldSpec("consent", "Consent given", "bool",
              ("consent", "consentement", "einwilligung", "informed consent", "consent given",
               "consentement signe", "einverstandniserklarung")),
    FieldSpec("comments", "Comments", "text",
              ("comment", "comments", "remarks", "remark", "notes", "note", "commentaire", "commentaires",
               "remarque", "remarques", "bemerkung", "bemerkungen", "kommentar", "anmerkung")),
    # Inventory (a collection migrated in): where each tube is, and its history.
    FieldSpec("sample_id", "Biobank sample ID", "text",
              ("biobank id", "internal id", "biobank sample id", "global unique id", "lims id"),
              used_by=("inventory",),
              description="The collection's own former sample ID; kept on the sample as a barcode of kind 'other'."),
    FieldSpec("storage_path", "Storage location", "text",
              ("storage path", "storage location", "location", "emplacement", "lagerort", "freezer", "congelateur",
               "gefrierschrank", "path", "chemin"),
              used_by=("inventory",), description="Freezer / rack path of the box, as the old system wrote it."),
    FieldSpec("box", "Box", "text", ("box", "boite", "box name", "box id", "box barcode", "kiste", "box label"),
              used_by=("inventory",)),
    FieldSpec("position", "Position in box", "position", ("position", "pos", "well", "puits", "box position"),
              used_by=("inventory",)),
    FieldSpec("box_row", "Row in box", "text", ("row", "ligne", "zeile", "box row"), used_by=("inventory",)),
    FieldSpec("box_column", "Column in box", "text", ("column", "col", "colonne", "spalte", "box column"),
              used_by=("inventory",)),
    FieldSpec("freeze_thaw", "Freeze–thaw cycles", "int",
              ("freeze thaw", "freeze thaw cycles", "freeze thaw count", "cycles", "cycles congelation",
               "cycles de congelation", "auftauzyklen", "einfrier auftau zyklen"), used_by=("inventory",)),
)

FIELD_BY_KEY: Final[dict[str, FieldSpec]] = {f.key: f for f in FIELDS}
TIME_POINT_FIELDS: Final = ("collected_at", "received_at", "centrifugation_start", "centrifugation_end", "frozen_at")


def fields_for(kind: ImportKind) -> list[FieldSpec]:
    return [f for f in FIELDS if kind in f.used_by]


# -- values: sample types and containers ---------------------------------------------------------------

#: Folded clinic words → SPREC sample-type code. Codes themselves and the SPREC meanings are added by
#: :func:`sample_type_words`.
SAMPLE_TYPE_WORDS: Final[dict[str, str]] = {
    "serum": "SER", "serums": "SER", "serum sst": "SER",
    "plasma": "PL1", "edta plasma": "PL1", "plasma edta": "PL1", "k2 edta plasma": "PL1", "citrate plasma": "PL1",
    "plasma citrate": "PL1", "heparin plasma": "PL1", "heparinplasma": "PL1", "plasma hepariné": "PL1",
    "plasma heparine": "PL1", "citratplasma": "PL1", "edta plasma 1x": "PL1",
    "plasma double spun": "PL2", "plasma 2x": "PL2", "edta plasma 2x": "PL2",
    "whole blood": "BLD", "blood": "BLD", "sang total": "BLD", "sang": "BLD", "vollblut": "BLD", "blut": "BLD",
    "edta blut": "BLD", "edta vollblut": "BLD", "edta blood": "BLD",
    "buffy coat": "BUF", "couche leucocytaire": "BUF", "leukozytenfilm": "BUF",
    "pbmc": "CEL", "pbmcs": "CEL", "cellules mononucleees": "CEL",
    "csf": "CSF", "lcr": "CSF", "liquor": "CSF", "cerebrospinal fluid": "CSF", "liquide cephalorachidien": "CSF",
    "urine": "URN", "urin": "URN", "spontanurin": "URN", "morning urine": "URM", "urine du matin": "URM",
    "morgenurin": "URM", "24h urine": "U24", "urine 24h": "U24", "sammelurin": "U24",
    "saliva": "SAL", "salive": "SAL", "speichel": "SAL",
    "stool": "STL", "feces": "STL", "faeces": "STL", "selles": "STL", "stuhl": "STL",
    "red blood cells": "RBC", "erythrocytes": "RBC", "erythrozyten": "RBC", "globules rouges": "RBC",
    "cord blood": "CRD", "sang de cordon": "CRD", "nabelschnurblut": "CRD",
    "bone marrow": "BMA", "moelle osseuse": "BMA", "knochenmark": "BMA",
    "tissue": "TIS", "tissu": "TIS", "gewebe": "TIS", "tumour": "TIS", "tumor": "TIS", "tumeur": "TIS",
    "sputum": "SPT", "crachat": "SPT", "semen": "SEM", "sperme": "SEM", "sperma": "SEM",
}

CONTAINER_WORDS: Final[dict[str, str]] = {
    "sst": "SST", "serum separator": "SST", "gel serum": "SST", "serum gel": "SST", "tube sec gel": "SST",
    "edta": "PED", "k2edta": "PED", "k2 edta": "PED", "k3 edta": "PED", "k3edta": "PED", "edta k2": "PED",
    "potassium edta": "PED", "edta tube": "PED", "tube edta": "PED", "edta rohrchen": "PED",
    "na edta": "SED", "sodium edta": "SED",
    "edta gel": "EDG", "ppt": "EDG",
    "heparin": "HEP", "li hep": "HEP", "li heparin": "HEP", "lithium heparin": "HEP", "heparine": "HEP",
    "heparine de lithium": "HEP", "lithium heparin gel": "LHG", "pst": "LHG",
    "na heparin": "SHP", "sodium heparin": "SHP",
    "citrate": "SCI", "sodium citrate": "SCI", "citrat": "SCI", "citrate de sodium": "SCI",
    "acd": "ACD", "cpt": "CPT", "paxgene": "PAX", "paxgene rna": "PAX", "paxgene dna": "PXD", "tempus": "TEM",
    "streck": "SCK", "cfdna bct": "SCK", "cell free dna bct": "SCK", "cellsave": "CSV",
    "fluoride": "SPO", "fluoride oxalate": "SPO", "naf": "SPO",
    "pp tube": "PPS", "polypropylene": "PPS", "polypropylene tube": "PPS", "tube pp": "PPS", "cryotube": "PPS",
    "tube polypropylene": "PPS", "pe tube": "PET", "polyethylene": "PET",
    "plain": "CAT", "serum tube": "CAT", "tube sec": "CAT", "no additive": "CAT",
    "oragene": "ORG", "glass": "GLS", "verre": "GLS", "unknown": "XXX", "inconnu": "XXX", "unbekannt": "XXX",
}

#: Folded words for SPREC's processing temperature classes (RT 18–28 °C, COLD 2–10 °C, BODY 35–38 °C).
TEMPERATURE_WORDS: Final[dict[str, str]] = {
    "rt": "RT", "room temperature": "RT", "ambient": "RT", "ambient temperature": "RT", "18 28 c": "RT",
    "temperature ambiante": "RT", "ta": "RT", "ambiante": "RT", "raumtemperatur": "RT", "zimmertemperatur": "RT",
    "cold": "COLD", "2 10 c": "COLD", "2 8 c": "COLD", "4 c": "COLD", "fridge": "COLD", "refrigerated": "COLD",
    "on ice": "COLD", "ice": "COLD", "froid": "COLD", "refrigere": "COLD", "refrigerateur": "COLD",
    "sur glace": "COLD", "glace": "COLD", "kalt": "COLD", "gekuhlt": "COLD", "kuhlschrank": "COLD", "eis": "COLD",
    "auf eis": "COLD", "body": "BODY", "body temperature": "BODY", "35 38 c": "BODY", "37 c": "BODY",
    "temperature corporelle": "BODY", "korpertemperatur": "BODY",
}

#: Folded words for the SPREC non-time codes of the tissue times (not applicable, unknown, other).
TISSUE_TIME_WORDS: Final[dict[str, str]] = {
    "not applicable": "N", "na": "N", "n a": "N", "non applicable": "N", "sans objet": "N", "nicht zutreffend": "N",
    "entfallt": "N", "unknown": "X", "inconnu": "X", "inconnue": "X", "unbekannt": "X", "nk": "X", "other": "Z",
    "autre": "Z", "andere": "Z", "sonstige": "Z",
}

#: Words for yes and no in the three languages (folded).
TRUE_WORDS: Final = frozenset({"y", "yes", "true", "1", "x", "oui", "o", "vrai", "ja", "j", "wahr", "ok"})
FALSE_WORDS: Final = frozenset({"n", "no", "false", "0", "non", "faux", "nein", "falsch"})


def sample_type_words(codes: dict[str, str]) -> dict[str, str]:
    """Folded word → code for sample types: the SPREC ``codes`` (code → meaning), their meanings, and
    :data:`SAMPLE_TYPE_WORDS` (only where the code exists in ``codes``)."""
    return _vocabulary(codes, SAMPLE_TYPE_WORDS)


def container_words(codes: dict[str, str]) -> dict[str, str]:
    """Folded word → code for primary containers (see :func:`sample_type_words`)."""
    return _vocabulary(codes, CONTAINER_WORDS)


def tissue_code_words(codes: dict[str, str], aliases: dict[str, str] | None = None) -> dict[str, str]:
    """Folded word → code for a SPREC tissue element with codes (type of collection, fixation): the codes, their
    meanings and the table's aliases ('ASN' → 'FNA')."""
    return _vocabulary(codes, dict(aliases or {}))


def tissue_time_words(codes: dict[str, str]) -> dict[str, str]:
    """Folded word → code for the non-time codes of a tissue time (``codes``: N, X, Z → meaning); minutes are
    numbers and are not in it."""
    return _vocabulary(codes, TISSUE_TIME_WORDS)


def _vocabulary(codes: dict[str, str], words: dict[str, str]) -> dict[str, str]:
    vocabulary: dict[str, str] = {}
    for code, meaning in codes.items():
        vocabulary[fold(meaning)] = code
    for word, code in words.items():
        if code in codes:
            vocabulary[fold(word)] = code
    for code in codes:
        vocabulary[fold(code)] = code
    return vocabulary
