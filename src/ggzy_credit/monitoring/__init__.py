"""Monitoring and early warnings (监测预警): set-based rules over the whole database."""
