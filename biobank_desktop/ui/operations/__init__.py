"""App-wide actions any page may start: printing labels, running a write on the worker.

A page under ``ui/pages/<workflow>/`` never imports another page; what several pages do (the sample
page's "Print label", the Labels page's queue, Settings → Printers' check) lives here and is reached
through the UI session. Each operation is thin: it runs a core service or flow on the worker and turns
the outcome into what a person sees (a message box with Retry, a banner); the deciding is done in core.

* :mod:`biobank_desktop.ui.operations.writes`: :func:`run_write`, a service write on the worker whose result
  is never discarded and whose ``Changes`` go out on ``session.events.changed``.
* :mod:`biobank_desktop.ui.operations.printing`: the label printer runner (:class:`LabelPrinter`), system
  printers through Qt, the printer check, the texts for job and label states.
"""
