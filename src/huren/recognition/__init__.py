"""Recognition queries: is a study from this device on this date recognised?"""
