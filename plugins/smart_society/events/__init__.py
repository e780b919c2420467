"""Community events: the village and banjar calendar (meetings, gotong royong, ceremonies)."""
