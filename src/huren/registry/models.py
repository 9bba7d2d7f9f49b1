"""Institutions (a QC centre above its hospitals), departments, rooms, devices, MR coils,
accessories and emergency drugs, protective equipment and shielding measurements.

Every model names the path to its institution in ``SCOPE`` and lists through
``objects.for_user(user)`` (see :mod:`huren.accounts.scope`).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huren.accounts.scope import ScopedQuerySet

MODALITIES = [("DR", "DR"), ("CT", "CT"), ("MR", "MR")]


class Institution(models.Model):
    """A QC centre (质控中心) or a hospital (医疗机构); hospitals sit under a centre."""

    SCOPE = ""

    class Kind(models.TextChoices):
        QC_CENTRE = "qc_centre", _("QC centre")
        HOSPITAL = "hospital", _("hospital")

    name = models.CharField(_("name"), max_length=200, unique=True)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.HOSPITAL)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
                               verbose_name=_("QC centre above"))
    code = models.CharField(_("code"), max_length=50, blank=True, help_text=_("e.g. the institution's licence number"))
    level = models.CharField(_("grade"), max_length=50, blank=True, help_text=_("e.g. 三级甲等"))
    address = models.CharField(_("address"), max_length=300, blank=True)
    contact = models.CharField(_("contact"), max_length=100, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.parent_id and self.parent_id == self.pk:
            raise ValidationError({"parent": "机构不能隶属于自身 / an institution cannot be its own parent"})
        if self.kind == self.Kind.HOSPITAL and self.parent is not None and self.parent.kind != self.Kind.QC_CENTRE:
            raise ValidationError({"parent": "医疗机构的上级须为质控中心 / a hospital's parent must be a QC centre"})


class Department(models.Model):
    SCOPE = "institution"

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="departments",
                                    verbose_name=_("institution"))
    name = models.CharField(_("name"), max_length=200)
    head = models.CharField(_("head of department"), max_length=100, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["institution__name", "name"]
        constraints = [models.UniqueConstraint(fields=["institution", "name"], name="department_unique_name")]

    def __str__(self) -> str:
        return f"{self.institution} · {self.name}"


class Room(models.Model):
    SCOPE = "department__institution"

    class Kind(models.TextChoices):
        WAITING = "waiting", _("waiting area")
        PREPARATION = "preparation", _("preparation / changing room")
        CONTROL = "control", _("control room")
        EXAM = "exam", _("exam room")
        EQUIPMENT = "equipment", _("equipment room")
        MAGNET = "magnet", _("magnet room")
        OTHER = "other", _("other")

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="rooms",
                                   verbose_name=_("department"))
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    area_m2 = models.FloatField(_("area (m²)"), null=True, blank=True,
                                validators=[MinValueValidator(0), MaxValueValidator(10000)])
    independent_air_conditioning = models.BooleanField(_("independent air conditioning"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["department", "kind", "name"]

    def __str__(self) -> str:
        return f"{self.department.name} · {self.name}"


class Device(models.Model):
    """An imaging device. Its DICOM identity (station name, device serial number, AE title)
    is how received images and recognition queries find it (:func:`registry.services.find_device`)."""

    SCOPE = "department__institution"

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="devices",
                                   verbose_name=_("department"))
    room = models.ForeignKey(Room, on_delete=models.PROTECT, null=True, blank=True, related_name="devices",
                             verbose_name=_("exam room"))
    name = models.CharField(_("name"), max_length=100)
    modality = models.CharField(_("modality"), max_length=2, choices=MODALITIES)
    manufacturer = models.CharField(_("manufacturer"), max_length=100)
    model_name = models.CharField(_("model"), max_length=100)
    serial_number = models.CharField(_("serial number"), max_length=100)
    install_date = models.DateField(_("installation date"), null=True, blank=True)
    field_strength_t = models.FloatField(_("field strength (T)"), null=True, blank=True,
                                         validators=[MinValueValidator(0.01), MaxValueValidator(11.7)])
    ae_title = models.CharField(_("AE title"), max_length=16, blank=True)
    station_name = models.CharField(_("station name"), max_length=64, blank=True)
    device_serial_number = models.CharField(_("DICOM device serial number"), max_length=64, blank=True)
    active = models.BooleanField(_("in service"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        ordering = ["department", "modality", "name"]
        constraints = [
            models.UniqueConstraint(fields=["manufacturer", "serial_number"], name="device_unique_serial"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.modality} {self.manufacturer} {self.model_name})"

    @property
    def institution(self) -> Institution:
        return self.department.institution

    def clean(self) -> None:
        errors = {}
        if self.modality == "MR" and not self.field_strength_t:
            errors["field_strength_t"] = "磁共振设备须填写场强 / an MR device needs its field strength"
        if self.modality != "MR" and self.field_strength_t:
            errors["field_strength_t"] = "只有磁共振设备有场强 / only MR devices have a field strength"
        if self.install_date and self.install_date > timezone.localdate():
            errors["install_date"] = "安装日期不能在将来 / the installation date cannot be in the future"
        if self.room_id and self.department_id and self.room.department_id != self.department_id:
            errors["room"] = "机房须属于同一科室 / the room must belong to the same department"
        if errors:
            raise ValidationError(errors)


class Coil(models.Model):
    """An MR coil of a device (MR-EQ-COILS)."""

    SCOPE = "device__department__institution"

    class Kind(models.TextChoices):
        HEAD = "head", _("head")
        HEAD_NECK = "head_neck", _("head-neck")
        NECK = "neck", _("neck")
        SPINE = "spine", _("spine")
        BODY = "body", _("body")
        SHOULDER = "shoulder", _("shoulder")
        KNEE = "knee", _("knee")
        ANKLE = "ankle", _("ankle")
        FLEXIBLE = "flexible", _("flexible")
        OTHER = "other", _("other")

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="coils", verbose_name=_("device"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)
    serial_number = models.CharField(_("serial number"), max_length=100, blank=True)
    channels = models.PositiveSmallIntegerField(_("channels"), null=True, blank=True)
    in_service = models.BooleanField(_("in service"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("MR coil")
        verbose_name_plural = _("MR coils")
        ordering = ["device", "kind"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name}".strip()


class Accessory(models.Model):
    """Accessory equipment and emergency drugs of a department (CT-EQ-ACCESSORY,
    MR-EQ-COIL-CHECK): power injector, defibrillator, respirator, oxygen, suction, drugs."""

    SCOPE = "department__institution"

    class Kind(models.TextChoices):
        POWER_INJECTOR = "power_injector", _("power injector")
        DEFIBRILLATOR = "defibrillator", _("defibrillator")
        BAG_VALVE_RESPIRATOR = "bag_valve_respirator", _("bag-valve respirator")
        OXYGEN_SUPPLY = "oxygen_supply", _("oxygen supply")
        SUCTION_UNIT = "suction_unit", _("suction unit")
        ADRENALINE = "adrenaline_1_1000", _("adrenaline 1:1000")
        ANTIHISTAMINE = "h1_antihistamine", _("H1 antihistamine")
        GATING = "gating", _("respiratory / ECG gating")
        OTHER = "other", _("other")

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="accessories",
                                   verbose_name=_("department"))
    device = models.ForeignKey(Device, on_delete=models.PROTECT, null=True, blank=True, related_name="accessories",
                               verbose_name=_("device"))
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)
    is_drug = models.BooleanField(_("emergency drug"), default=False)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    expiry_date = models.DateField(_("expiry date"), null=True, blank=True)
    in_service = models.BooleanField(_("in service"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("accessory or emergency drug")
        verbose_name_plural = _("accessories and emergency drugs")
        ordering = ["department", "kind"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name}".strip()

    def clean(self) -> None:
        if self.device_id and self.department_id and self.device.department_id != self.department_id:
            raise ValidationError({"device": "设备须属于同一科室 / the device must belong to the same department"})


class ProtectiveEquipment(models.Model):
    """Radiation protective equipment (CT-EQ-PPE), with its lead equivalence in mm Pb."""

    SCOPE = "department__institution"

    class Kind(models.TextChoices):
        APRON = "lead_apron", _("lead apron")
        CAP = "lead_cap", _("lead cap")
        COLLAR = "lead_collar", _("lead collar")
        SKIRT = "lead_skirt", _("lead skirt")
        SQUARE_SCARF = "lead_square_scarf", _("lead square scarf")
        GLOVES = "lead_gloves", _("lead gloves")
        GLASSES = "lead_glasses", _("lead glasses")
        OTHER = "other", _("other")

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="protective_equipment",
                                   verbose_name=_("department"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    size = models.CharField(_("size"), max_length=20, blank=True, help_text=_("adult / child"))
    lead_equivalence_mm = models.DecimalField(_("lead equivalence (mm Pb)"), max_digits=4, decimal_places=2,
                                              validators=[MinValueValidator(0), MaxValueValidator(10)])
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    checked_on = models.DateField(_("last checked"), null=True, blank=True)
    in_service = models.BooleanField(_("in service"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("protective equipment")
        verbose_name_plural = _("protective equipment")
        ordering = ["department", "kind"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.lead_equivalence_mm} mm Pb"


class ShieldingMeasurement(models.Model):
    """The lead equivalence of one wall, door or window of a room (DR-EQ-SHIELD)."""

    SCOPE = "room__department__institution"

    class Position(models.TextChoices):
        WALL = "wall", _("wall")
        DOOR = "door", _("lead door")
        WINDOW = "window", _("lead window")
        FLOOR = "floor", _("floor")
        CEILING = "ceiling", _("ceiling")

    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="shielding", verbose_name=_("room"))
    position = models.CharField(_("position"), max_length=20, choices=Position.choices)
    label = models.CharField(_("label"), max_length=100, blank=True, help_text=_("e.g. east wall"))
    lead_equivalence_mm = models.DecimalField(_("lead equivalence (mm Pb)"), max_digits=5, decimal_places=2,
                                              validators=[MinValueValidator(0), MaxValueValidator(50)])
    measured_on = models.DateField(_("measured on"))
    measured_by = models.CharField(_("measured by"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("shielding measurement")
        verbose_name_plural = _("shielding measurements")
        ordering = ["room", "position", "-measured_on"]

    def __str__(self) -> str:
        return f"{self.room} {self.get_position_display()} {self.label} {self.lead_equivalence_mm} mm Pb".strip()

    def clean(self) -> None:
        if self.measured_on and self.measured_on > timezone.localdate():
            raise ValidationError({"measured_on": "测量日期不能在将来 / the measurement date cannot be in the future"})


# The names the catalog's ``all_present`` criteria use for register entries (one register
# kind may satisfy several names: a head-neck coil is a head coil and a neck coil; a flexible
# coil serves shoulder, knee and ankle, as the standard allows).
ROOM_NAMES = {
    Room.Kind.WAITING: ("waiting_area", "special_waiting_area"),
    Room.Kind.PREPARATION: ("preparation_room",),
    Room.Kind.CONTROL: ("control_room",),
    Room.Kind.EXAM: ("exam_room",),
    Room.Kind.EQUIPMENT: ("equipment_room",),
    Room.Kind.MAGNET: ("magnet_room", "exam_room"),
}
COIL_NAMES = {
    Coil.Kind.HEAD: ("head_or_head_neck",),
    Coil.Kind.HEAD_NECK: ("head_or_head_neck", "neck_or_head_neck"),
    Coil.Kind.NECK: ("neck_or_head_neck",),
    Coil.Kind.SPINE: ("spine",),
    Coil.Kind.BODY: ("body",),
    Coil.Kind.SHOULDER: ("shoulder",),
    Coil.Kind.KNEE: ("knee",),
    Coil.Kind.ANKLE: ("ankle",),
    Coil.Kind.FLEXIBLE: ("shoulder", "knee", "ankle"),
}
