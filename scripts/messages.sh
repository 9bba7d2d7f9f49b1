#!/usr/bin/env bash
# Refresh the Chinese catalog from the source (needs GNU gettext: apt-get install gettext),
# then compile it in pure Python. Translate new entries in the .po before committing.
set -euo pipefail
cd "$(dirname "$0")/../src/huren"
PY="${PYTHON:-../../.venv/bin/python}"
[ -x "$PY" ] || PY=python3
HUREN_HOME="$(mktemp -d)" PYTHONPATH=.. "$PY" -m django makemessages -l zh_Hans --no-obsolete \
  --settings=huren.site.settings -i "analysis/*" -i "dicomio/*" -i "standard/*" -i "synth/*" -i "iq/*"
PYTHONPATH=.. "$PY" -m huren.web.pofile
grep -c '^msgstr ""$' locale/zh_Hans/LC_MESSAGES/django.po | xargs -I{} echo "entries still untranslated (incl. header): {}"
