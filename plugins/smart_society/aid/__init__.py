"""Social aid (bansos): programmes, candidates to recipients by the village deliberation,
no double receipt."""
