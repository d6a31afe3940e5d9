# The two commands of the README: `make plan` (offline plan of a stack, judged by the policy pack)
# and `make test`. Both create .venv from the requirements files on first use; installing writes to
# stderr only, so `make -s plan FORMAT=json` prints nothing but JSON on stdout.
PYTHON ?= python3
VENV   := .venv
VPY    := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

FORMAT        ?= text
STACK         ?= dev
PROGRAM       ?= .
POLICY_CONFIG ?=
STATE         ?=
# The gate: ACCOUNT (description file or 12-digit id), STACK_OUTPUTS (stack references' outputs),
# TIMEOUT (seconds, default 300), STRICT=1 (unjudged resources fail the plan).
ACCOUNT       ?=
STACK_OUTPUTS ?=
TIMEOUT       ?=
STRICT        ?=

.PHONY: plan test venv clean docs fuzz bench fixtures-aws6 verify query test-awsx corpus test-install organization-outputs

$(STAMP): requirements.txt requirements-dev.txt policies/requirements.txt
	@test -x $(VPY) || $(PYTHON) -m venv $(VENV) >&2
	@echo "installing the project's dependencies into $(VENV) (first run only) ..." >&2
	@$(VPY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt >&2
	@touch $@

venv: $(STAMP)

plan: $(STAMP)
	@$(VPY) -W ignore::DeprecationWarning -m audit_baseline plan --program "$(PROGRAM)" --stack "$(STACK)" \
		--format "$(FORMAT)" $(if $(POLICY_CONFIG),--policy-config "$(POLICY_CONFIG)") $(if $(STATE),--state "$(STATE)") \
		$(if $(ACCOUNT),--account "$(ACCOUNT)") $(if $(STACK_OUTPUTS),--stack-outputs "$(STACK_OUTPUTS)") \
		$(if $(TIMEOUT),--timeout "$(TIMEOUT)") $(if $(filter 1 true yes,$(STRICT)),--strict)

# The saved investigations over local CloudTrail logs (no arguments: list them).
# SQL reaches the runner unexpanded (make's $(value)) through the environment, so double quotes, $ and
# backslashes arrive as typed; SQL_FILE=<file> carries any SQL too.
query: export INVESTIGATE_SQL = $(value SQL)
query: $(STAMP)
	@$(VPY) -m audit_baseline query $(if $(NO_CACHE),--no-cache) $(if $(Q),--query "$(Q)") $(if $(value SQL),--sql "$$INVESTIGATE_SQL") \
		$(if $(SQL_FILE),--sql-file "$(SQL_FILE)") $(if $(LOGS),--logs "$(LOGS)") \
		$(if $(AS_OF),--as-of "$(AS_OF)") $(if $(PARAMS),--params "$(PARAMS)") --format "$(if $(FORMAT),$(FORMAT),text)"

# Offline CloudTrail log-integrity validation of a bucket copy (see README).
verify: $(STAMP)
	@$(VPY) -m audit_baseline verify --logs "$(LOGS)" --keys "$(KEYS)" $(if $(SIGNATURES),--signatures "$(SIGNATURES)") \
		$(if $(FROM),--from "$(FROM)") $(if $(TO),--to "$(TO)") --format "$(if $(FORMAT),$(FORMAT),text)"

test: $(STAMP)
	@$(VPY) -m pytest -q tests

# `pip install .` into a fresh virtualenv, then the installed `audit-baseline` from another directory
# (tests marked `install`; `make test` leaves them out: the install alone takes 30-90 s).
test-install: $(STAMP)
	@$(VPY) -m pytest -q -m install tests/test_install.py

clean:
	rm -rf $(VENV) .pytest_cache

# The real remote-component case: installs pulumi-awsx (and its Docker providers) into a cached program
# environment, then checks that the gate lists awsx's Vpc as unjudged (make test uses a stand-in).
test-awsx: $(STAMP)
	@GATE_REAL_AWSX=1 $(VPY) -m pytest -q tests/test_gate.py -k real_awsx

# SECTION=evidence: only the query runner's and the integrity checker's rows (bench/evidence.py).
bench: $(STAMP)
	@$(VPY) -m bench $(if $(PACK_ONLY),--pack) $(SECTION)

# Plan every program of tests/corpus/ (Python and TypeScript) and judge it against its expected.json.
corpus: $(STAMP)
	@$(VPY) -W ignore::DeprecationWarning tools/corpus.py $(CORPUS)

# Property-based tests at 10,000 examples per policy (CI runs a lighter profile inside `make test`).
fuzz: $(STAMP)
	@HYPOTHESIS_PROFILE=thorough $(VPY) -m pytest -q -p no:randomly tests/test_pack_properties.py

# Re-record the pulumi-aws 6 fixtures in a virtualenv of their own (tests read the committed JSON).
fixtures-aws6:
	@test -x .venv-aws6/bin/python || $(PYTHON) -m venv .venv-aws6 >&2
	@.venv-aws6/bin/python -m pip install --quiet --disable-pip-version-check 'pulumi>=3.200,<4' 'pulumi-aws>=6.60,<7' 'PyYAML>=6,<7' >&2
	@.venv-aws6/bin/python -W ignore tests/fixtures/record_aws6.py

docs: $(STAMP)
	@$(VPY) -m components.docs

# An organization's baseline (README, "An organization's baseline"): the STACK_OUTPUTS file of the example
# stacks log-archive, management and audit, from their planned outputs, so that each plans offline, e.g.
#   make plan STACK=audit ACCOUNT=examples/accounts/audit-account.json STACK_OUTPUTS=examples/organization-outputs.json
organization-outputs: $(STAMP)
	@$(VPY) -W ignore examples/organization_outputs.py > examples/organization-outputs.json.tmp
	@mv examples/organization-outputs.json.tmp examples/organization-outputs.json
	@echo "wrote examples/organization-outputs.json" >&2
