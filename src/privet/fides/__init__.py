"""Moving from Fides: import Fides datasets, systems, organizations and policies into a
Privet manifest (``privet import fides``), and export a manifest back
(``privet export fides``)."""
