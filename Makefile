# No Wrong Door — the commands an operator and a developer need.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
LIBRARY := libs/nowrongdoor
DEPLOYABLES := services/intake services/routing services/case-tracking services/notifications \
	gateway
PYPROJECTS := $(addsuffix /pyproject.toml,$(LIBRARY) $(DEPLOYABLES))

.PHONY: install run test lint format bench up down schemas validate-deploy messages

$(BIN)/.installed: constraints.txt requirements-dev.txt $(PYPROJECTS)
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed") if sys.version_info < (3, 11) else None'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -r requirements-dev.txt \
		-e '$(LIBRARY)[local,testing]' $(addprefix -e ,$(DEPLOYABLES))
	touch $@

install: $(BIN)/.installed  ## create the virtual environment and install everything

run: install  ## start the whole platform on this machine
	$(BIN)/nowrongdoor up

test: install  ## run every test: services, shared library, end to end
	$(BIN)/python -m pytest

lint: install  ## ruff and mypy strict over the whole tree
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

BENCH ?=
bench: install  ## benchmarks, each a ratio to a baseline measured in the same run (BENCH="intake --seconds 30")
	$(BIN)/python bench/routing_decisions.py
	$(BIN)/python -m bench $(BENCH)

schemas: install  ## regenerate the event JSON Schemas and the AsyncAPI document
	$(BIN)/nowrongdoor schemas export

PAGES := gateway/src/gateway/pages
messages: install  ## gather the pages' texts into their catalogue and each language's .po file
	cd gateway && ../$(BIN)/pybabel extract -F babel.cfg -k N_ -k translate:2 --no-location \
		--omit-header --sort-output -o src/gateway/pages/locale/messages.pot .
	for language in ar fr nl de; do $(BIN)/pybabel update --no-fuzzy-matching \
		-i $(PAGES)/locale/messages.pot -d $(PAGES)/locale -l $$language; done

up:  ## the full stack in containers, built from this tree; returns once every service is healthy
	docker compose up -d --build --wait

down:  ## stop the containers; the volumes (databases, streams, keys) stay
	docker compose down

validate-deploy: install  ## lint and validate the Dockerfile, docker-compose.yml and deploy/ offline
	$(BIN)/python -m pytest tests/deploy
