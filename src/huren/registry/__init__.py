"""The register: institutions, departments, rooms, devices and their equipment."""
