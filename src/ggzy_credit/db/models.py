"""Import every feature's models so ``Base.metadata`` is complete (Alembic, tests)."""

from ggzy_credit.approvals import models as approvals_models  # noqa: F401
from ggzy_credit.audit import models as audit_models  # noqa: F401
from ggzy_credit.auth import models as auth_models  # noqa: F401
from ggzy_credit.db.base import Base
from ggzy_credit.exchange import models as exchange_models  # noqa: F401
from ggzy_credit.exchange import webhook_models as webhook_models
from ggzy_credit.financing import models as financing_models  # noqa: F401
from ggzy_credit.ledger import models as ledger_models  # noqa: F401
from ggzy_credit.monitoring import models as monitoring_models  # noqa: F401
from ggzy_credit.records import events as records_events  # noqa: F401
from ggzy_credit.records import models as records_models  # noqa: F401
from ggzy_credit.scoring import models as scoring_models  # noqa: F401
from ggzy_credit.standards import models as standards_models  # noqa: F401
from ggzy_credit.subjects import models as subjects_models  # noqa: F401
from ggzy_credit.workflows import models as workflows_models  # noqa: F401

metadata = Base.metadata
