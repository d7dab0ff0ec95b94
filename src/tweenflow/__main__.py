import sys

from tweenflow.cli import main

sys.exit(main())
