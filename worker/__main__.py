import sys

from worker.cli import main

# the guard matters: multiprocessing's fork server imports the main module of the process
if __name__ == "__main__":
    sys.exit(main())
