"""One spreadsheet engine for every import and export (no database, no Qt).

- ``reading``: open any file (xlsx/xlsm/xls/ods via python-calamine, xlsx structure via lxml, CSV), read a sheet
- ``layout``: find the header row and the data rows (blank, hidden, totals rows set aside; merged cells filled)
- ``fields``: the fields, the clinic words for them (EN/FR/DE), sample-type and container words → SPREC codes
- ``mapping``: the mapping (saved per partner), suggestions, direct identifiers left out
- ``convert``: typed conversion of one cell; ``validation``: problems per cell, grouped by cause
- ``importing``: the pipeline in one call, and the import report
- ``error_workbook``: rejected rows back to the clinic; ``writer``: the one .xlsx/.csv writer
"""
