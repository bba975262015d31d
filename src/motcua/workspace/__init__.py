"""The officer workspace (/can-bo/): counter intake, worklists, department processing, official
forms and the return of results. Pages only validate input, call one service of
``motcua.dossiers.services`` (or this app's own services for the records the engine does not
hold: fee receipts, result files and their signatures, handovers) and render."""
