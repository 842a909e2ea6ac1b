# Shortcuts for developers. README's two commands are ./scripts/demo and ./scripts/test.
.PHONY: setup demo test lint format bench messages

setup:
	bash -c 'source scripts/_env.sh'

demo:
	./scripts/demo

test:
	./scripts/test

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy && .venv/bin/lint-imports

format:
	.venv/bin/ruff format . && .venv/bin/ruff check --fix .

bench:
	bash benchmarks/run_all.sh

# Refresh the French catalogue after changing UI strings, then translate the new entries.
# Each workspace area (src/relance/web/<area>/) keeps its own catalogue in <area>/locale.
WEB_AREAS = account agenda customers dashboard editors company_settings imports
messages:
	cd src/relance && DJANGO_SETTINGS_MODULE=config.settings.dev ../../.venv/bin/django-admin makemessages -l fr --ignore "*/tests/*" $(foreach a,$(WEB_AREAS),--ignore "web/$(a)/*")
	for a in $(WEB_AREAS); do (cd src/relance/web/$$a && DJANGO_SETTINGS_MODULE=config.settings.dev ../../../../.venv/bin/django-admin makemessages -l fr --ignore "tests/*"); done
	cd src/relance && DJANGO_SETTINGS_MODULE=config.settings.dev ../../.venv/bin/django-admin compilemessages -l fr
