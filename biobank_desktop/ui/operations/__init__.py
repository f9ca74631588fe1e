"""App-wide actions any page may start: run a service write on the worker, print labels."""
