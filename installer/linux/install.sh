#!/bin/sh
# Install (or remove) Biobank Desktop for every user of this Linux computer. Run as root from the bundle folder:
#     sudo ./install.sh            copy this folder to /opt/biobank-desktop, add the menu entry, the icons and
#                                  /usr/local/bin/biobank-desktop (the command line)
#     sudo ./install.sh --remove   remove exactly those; users' databases and settings (in their home folders)
#                                  and the machine-wide settings (/etc/xdg/BiobankDesktop) are kept
# PREFIX (default /opt/biobank-desktop) and DESTDIR (default empty: the live system) may be set, e.g. to package.
set -eu
PREFIX="${PREFIX:-/opt/biobank-desktop}"
DESTDIR="${DESTDIR:-}"
HERE="$(cd "$(dirname "$0")" && pwd)"
APPS="$DESTDIR/usr/share/applications"
ICONS="$DESTDIR/usr/share/icons/hicolor"
BIN="$DESTDIR/usr/local/bin"

if [ "${1:-}" = "--remove" ]; then
    rm -rf "$DESTDIR$PREFIX"
    rm -f "$APPS/biobank-desktop.desktop" "$BIN/biobank-desktop"
    find "$ICONS" -name biobank-desktop.png -delete 2>/dev/null || true
    rm -f "$ICONS/scalable/apps/biobank-desktop.svg"
    echo "Biobank Desktop removed. Users' databases and settings were kept."
    exit 0
fi

[ -x "$HERE/BiobankDesktop" ] || { echo "Run install.sh from the Biobank Desktop bundle folder." >&2; exit 1; }
mkdir -p "$DESTDIR$PREFIX" "$APPS" "$BIN"
cp -a "$HERE/." "$DESTDIR$PREFIX/"
sed "s#/opt/biobank-desktop#$PREFIX#g" "$HERE/share/applications/biobank-desktop.desktop" > "$APPS/biobank-desktop.desktop"
(cd "$HERE/share/icons/hicolor" && find . -type f) | while read -r icon; do
    mkdir -p "$ICONS/$(dirname "$icon")"
    cp "$HERE/share/icons/hicolor/$icon" "$ICONS/$icon"
done
ln -sf "$PREFIX/biobank-desktop" "$BIN/biobank-desktop"
if [ -z "$DESTDIR" ]; then
    command -v update-desktop-database >/dev/null && update-desktop-database -q /usr/share/applications || true
    command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q /usr/share/icons/hicolor || true
fi
echo "Biobank Desktop installed in $PREFIX. Check it with: biobank-desktop --self-test"
