"""Barcode labels without a database: templates, layout, PDF and ZPL rendering, printer transports.

Import from the modules (this package imports nothing itself, so using one part does not load the
others). What the services layer calls:

Templates (:mod:`.model`)
    ``LabelData(sample_id=..., participant=..., study=..., sample_type=..., volume=...,
    collection_date=..., aliquot_number=..., sprec=..., free_text=...)`` - frozen, all ``str | None``.
    ``load_catalog(user_dirs=(), extra_templates=()) -> TemplateCatalog`` (``.templates``,
    ``.problems``, ``.get(name)``; extra templates, e.g. the database copies, win by name),
    ``list_templates(user_dirs=())``, ``load_template(name, user_dirs=())`` (NotFoundError),
    ``load_template_file(path)`` / ``save_template_file(template, path)``,
    ``parse_template_json(text, source)`` / ``template_to_json(template)`` (ValidationError naming
    the file or source and the problem), ``template_from_dict`` / ``template_to_dict``.
    ``LabelTemplate``, ``LabelElement``, ``SheetLayout`` are frozen and validate themselves.

Layout for the designer (:mod:`.layout`)
    ``layout_label(template, data, dpi=None) -> LabelLayout`` never raises for the data:
    ``.primitives`` (``BarcodePrimitive`` with ``.rects()``, ``TextPrimitive`` with
    ``.baseline_origin()``), all in printer dots, to paint at true scale; ``.warnings`` and
    ``.errors`` (``LayoutIssue``: severity, code, message, element_index). ``SAMPLE_LABEL_DATA``
    for previews. ``printable_layouts(template, labels, dpi=None)`` raises ValidationError naming
    the first label that cannot be printed.

Rendering
    :mod:`.pdf`: ``render_pdf(template, labels, dpi=None, start_position=1, offset_x_mm=0.0,
    offset_y_mm=0.0, title=None) -> bytes``; ``sheet_placements(template, count, start_position=1)``.
    :mod:`.zpl`: ``PrinterCalibration(dpi=203, offset_x_mm=0.0, offset_y_mm=0.0, darkness=None)``;
    ``render_zpl_labels(template, labels, calibration) -> list[str]`` (one format per label);
    ``render_zpl(...) -> str``.

Printing (:mod:`.transports`)
    ``TcpPrinterTransport(host, port=9100, connect_timeout=5.0, io_timeout=5.0, check_status=True,
    confirm_every=1)``, ``FileTransport(path, append=False)``, ``CupsRawQueueTransport(queue)``:
    ``.query_status() -> PrinterStatus | None`` and ``.send_labels(zpl_labels, progress=None,
    cancelled=None) -> SendReport`` (``labels_confirmed`` of ``labels_total``). Failures raise
    ``PrinterError``; ``PrinterNotReadyError`` (nothing sent) and ``PrintJobInterruptedError``
    (``labels_confirmed``, ``labels_unconfirmed``, ``labels_total``) say exactly which labels reached
    the printer, so a reprint never doubles or drops a label silently.

Nothing here imports Qt; everything is safe to call from a worker thread.
"""
