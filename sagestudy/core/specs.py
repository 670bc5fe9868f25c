# TEMPORARY shim (lead removes): the specs now live in sagestudy.core.catalog, the schema in sagestudy.core.schema
from sagestudy.core.catalog import *  # noqa: F401,F403
