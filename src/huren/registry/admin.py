from django.contrib import admin

from huren.accounts.admin_base import ScopedAdmin
from huren.registry import models as m


@admin.register(m.Institution)
class InstitutionAdmin(ScopedAdmin):
    list_display = ["name", "kind", "parent", "level"]
    list_filter = ["kind"]
    search_fields = ["name", "name_en", "code"]


@admin.register(m.Department)
class DepartmentAdmin(ScopedAdmin):
    list_display = ["name", "institution"]
    list_filter = ["institution"]


@admin.register(m.Room)
class RoomAdmin(ScopedAdmin):
    list_display = ["name", "kind", "department"]
    list_filter = ["kind"]


@admin.register(m.Device)
class DeviceAdmin(ScopedAdmin):
    list_display = ["name", "modality", "manufacturer", "model_name", "serial_number", "department", "station_name", "active"]
    list_filter = ["modality", "active"]
    search_fields = ["name", "serial_number", "station_name", "device_serial_number", "ae_title"]


@admin.register(m.Coil)
class CoilAdmin(ScopedAdmin):
    list_display = ["kind", "name", "device", "in_service"]


@admin.register(m.Accessory)
class AccessoryAdmin(ScopedAdmin):
    list_display = ["kind", "name", "department", "is_drug", "expiry_date", "in_service"]
    list_filter = ["kind", "is_drug"]


@admin.register(m.ProtectiveEquipment)
class ProtectiveEquipmentAdmin(ScopedAdmin):
    list_display = ["kind", "lead_equivalence_mm", "department", "quantity", "checked_on"]


@admin.register(m.ShieldingMeasurement)
class ShieldingMeasurementAdmin(ScopedAdmin):
    list_display = ["room", "position", "label", "lead_equivalence_mm", "measured_on"]
