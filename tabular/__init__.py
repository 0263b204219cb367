"""CSV and time parsing shared by the connectors (`dexwatch replay`) and the detectors' backtest.

Imports nothing of ours but `schemas`.
"""
