"""The trust step's rows of the access matrix (tests/test_access_matrix.py)."""

from ..access import EDITORS, ROLES, STAFF, page, rollout_kwargs
from .factories import BoundaryFactory, GuidelineFactory, IncidentFactory, TrainingModuleFactory


def guideline_kwargs(p):
    return {"pk": GuidelineFactory(organization=p.org, title="Using Viva Engage").pk}


def version_kwargs(p):
    return {**guideline_kwargs(p), "number": 1}


def module_kwargs(p):
    return {"pk": TrainingModuleFactory(organization=p.org, title="Suspicious links").pk}


def boundary_kwargs(p):
    return {"pk": BoundaryFactory(organization=p.org, platform=p.platform).pk}


def incident_kwargs(p):
    return {"pk": IncidentFactory(organization=p.org).pk}


def with_a_guideline(p):
    GuidelineFactory(organization=p.org, title="Using Viva Engage")
    return rollout_kwargs(p)


def with_a_module(p):
    TrainingModuleFactory(organization=p.org, title="Suspicious links")
    return rollout_kwargs(p)


ROWS = {
    "trust:home": page(STAFF, rollout_kwargs),
    # The rows behind the step's figures (no names), and their CSVs.
    "trust:acknowledgement": page(STAFF, with_a_guideline),
    "trust:acknowledgement_csv": page(STAFF, with_a_guideline),
    "trust:training": page(STAFF, with_a_module),
    "trust:training_csv": page(STAFF, with_a_module),
    "trust_org:mine": page(ROLES),
    "trust_org:my_guideline": page(ROLES, guideline_kwargs),
    "trust_org:take_module": page(ROLES, module_kwargs),
    # Every employee reports problems (by name or anonymously); the register stays the managers'.
    "trust_org:speak_up": page(ROLES),
    "trust_org:guidelines": page(EDITORS),
    "trust_org:guideline_create": page(EDITORS),
    "trust_org:guideline": page(EDITORS, guideline_kwargs),
    "trust_org:guideline_edit": page(EDITORS, guideline_kwargs),
    "trust_org:publish": page(EDITORS, guideline_kwargs),
    "trust_org:version": page(EDITORS, version_kwargs),
    "trust_org:remind": page(EDITORS, guideline_kwargs, ok=302, method="post"),
    "trust_org:modules": page(EDITORS),
    "trust_org:module_create": page(EDITORS),
    "trust_org:module_edit": page(EDITORS, module_kwargs),
    "trust_org:module_results": page(EDITORS, module_kwargs),
    "trust_org:boundaries": page(EDITORS),
    "trust_org:boundary_edit": page(EDITORS, boundary_kwargs),
    "trust_org:boundary_delete": page(EDITORS, boundary_kwargs, ok=302, method="post"),
    "trust_org:incidents": page(EDITORS),
    "trust_org:incident_create": page(EDITORS),
    "trust_org:incident_edit": page(EDITORS, incident_kwargs),
}
