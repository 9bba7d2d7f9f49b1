"""Primitives shared by the CT, DR and MR analyses: ROIs, profiles, MTF, phantom finding."""
