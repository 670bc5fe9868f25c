__version__ = "0.1.0"

from sagestudy.core.errors import HyperparameterError, DataFormatError, InstanceTypeError
from sagestudy.core import catalog, formats
from sagestudy.algorithms.linear_learner import LinearLearner
