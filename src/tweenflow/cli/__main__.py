"""python -m tweenflow.cli: the tweenflow command."""
import sys

from tweenflow.cli import main

sys.exit(main())
