.PHONY: run test test-pg bench

run:        ## set up, load demo data, serve the web UI and DICOM intake on 127.0.0.1
	scripts/run.sh

test:       ## set up and run the whole test suite on SQLite
	scripts/test.sh

test-pg:    ## the same suite on PostgreSQL
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/test scripts/test.sh

bench:      ## benchmarks (install the bench extra for the peers: pip install -e .[bench])
	scripts/bootstrap.sh
	.venv/bin/python bench/ct.py; .venv/bin/python bench/dr.py; .venv/bin/python bench/mr.py
