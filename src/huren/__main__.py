from huren.cli import main

raise SystemExit(main())
