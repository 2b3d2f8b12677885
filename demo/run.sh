#!/usr/bin/env bash
# The main job on the bundled demo: create an archive, preserve the demo files, capture the demo page,
# verify, show the ledger, export the case as a court bundle and check it with the bundle's own verify.py.
set -euo pipefail
cd "$(dirname "$0")/.."
V=".venv/bin/vestige"
ARCHIVE="${DEMO_ARCHIVE:-demo-archive}"
BUNDLE="$ARCHIVE-bundle"
if [ -e "$ARCHIVE" ]; then
  # Only ever remove an archive this script made.
  grep -q '"operator": "Vestige demo"' "$ARCHIVE/config.json" 2>/dev/null || {
    echo "demo: $ARCHIVE exists and is not a demo archive; move it away first" >&2; exit 2; }
  chmod -R u+w "$ARCHIVE" && rm -rf "$ARCHIVE"
fi
if [ -e "$BUNDLE" ]; then
  grep -q '"operator": "Vestige demo"' "$BUNDLE/manifest.json" 2>/dev/null || {
    echo "demo: $BUNDLE exists and is not a demo bundle; move it away first" >&2; exit 2; }
  rm -rf "$BUNDLE"
fi
export VESTIGE_ARCHIVE="$ARCHIVE"
echo "== vestige init"
$V init --operator "Vestige demo"
echo; echo "== vestige add (case DEMO-UKR)"
$V add demo/files/statement.txt demo/files/channel-post.json demo/files/poster.svg \
  --case DEMO-UKR --note "demo files, preserved by make demo"
$V note DEMO-UKR-0001 "statement reviewed by the case lawyer"
echo; echo "== vestige capture (a bundled demo page served on 127.0.0.1)"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$PORT" --bind 127.0.0.1 --directory demo/site >/dev/null 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
sleep 0.5
$V capture "http://127.0.0.1:$PORT/index.html" --case DEMO-UKR --note "official notice (demo page)"
kill $SERVER 2>/dev/null || true
echo; echo "== vestige list"
$V list
echo; echo "== vestige verify"
$V verify
echo; echo "== vestige ledger log"
$V ledger log
echo; echo "== vestige ledger checkpoint"
$V ledger checkpoint
echo; echo "== vestige export (case DEMO-UKR, ICC-style exhibit numbers)"
$V export --case DEMO-UKR --out "$BUNDLE" --id-pattern "DEMO-OTP-{case_seq:04d}-{seq:04d}"
echo; echo "== python3 -S verify.py (inside the bundle, as a recipient runs it)"
(cd "$BUNDLE" && python3 -S verify.py)
echo
echo "Evidence is in $(realpath "$ARCHIVE") (blobs under blobs/sha256, signed checkpoints under checkpoints/)."
echo "The court bundle is in $(realpath "$BUNDLE") (start with README.txt)."
echo "Try: VESTIGE_ARCHIVE=$ARCHIVE $V show DEMO-UKR-0004   (the capture: WARC, screenshot, PDF, DOM, text)"
