"""Import every feature's models so ``Base.metadata`` is complete (Alembic, tests)."""

from ggzy_credit.auth import models as auth_models  # noqa: F401
from ggzy_credit.db.base import Base
from ggzy_credit.records import models as records_models  # noqa: F401
from ggzy_credit.standards import models as standards_models  # noqa: F401
from ggzy_credit.subjects import models as subjects_models  # noqa: F401

metadata = Base.metadata
