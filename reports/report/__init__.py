"""The performance report (성과보고서): one builder, three renderers (page, PDF, xlsx) and a command."""
