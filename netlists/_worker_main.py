"""The ``__main__`` module of spincim's ngspice worker processes (deliberately empty).

Worker processes are started with ``spawn``, which normally re-imports the parent's
main script in the child. spincim points the child at this module instead (see
``netlists/ngspice.py``), so a user's script runs once, in the parent, with or without
an ``if __name__ == "__main__":`` guard.
"""
