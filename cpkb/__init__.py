"""CPKB: sector-wide cleaner-production audit knowledge base and diagnostic engine (清洁生产审核知识库与诊断引擎)."""

__version__ = "0.1.0"
