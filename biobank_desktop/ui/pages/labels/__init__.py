"""The Labels page: print queue, template designer, print rules."""
