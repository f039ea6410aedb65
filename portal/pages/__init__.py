"""Every page a patient opens, one module per topic (tests/portal/test_layout.py keeps it so).

Pages are thin: they read through the domain apps' selectors and write through their services;
no page module builds a query.
"""
