from django.contrib import admin

from huren.registry import models as m


@admin.register(m.Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "level"]
    list_filter = ["kind"]
    search_fields = ["name", "name_en", "code"]


@admin.register(m.Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "institution"]
    list_filter = ["institution"]


@admin.register(m.Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "department"]
    list_filter = ["kind"]


@admin.register(m.Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ["name", "modality", "manufacturer", "model_name", "serial_number", "department", "station_name", "active"]
    list_filter = ["modality", "active"]
    search_fields = ["name", "serial_number", "station_name", "device_serial_number", "ae_title"]


@admin.register(m.Coil)
class CoilAdmin(admin.ModelAdmin):
    list_display = ["kind", "name", "device", "in_service"]


@admin.register(m.Accessory)
class AccessoryAdmin(admin.ModelAdmin):
    list_display = ["kind", "name", "department", "is_drug", "expiry_date", "in_service"]
    list_filter = ["kind", "is_drug"]


@admin.register(m.ProtectiveEquipment)
class ProtectiveEquipmentAdmin(admin.ModelAdmin):
    list_display = ["kind", "lead_equivalence_mm", "department", "quantity", "checked_on"]


@admin.register(m.ShieldingMeasurement)
class ShieldingMeasurementAdmin(admin.ModelAdmin):
    list_display = ["room", "position", "label", "lead_equivalence_mm", "measured_on"]
