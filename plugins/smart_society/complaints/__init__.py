"""Complaints (pengaduan): filing, the workflow with working-day deadlines, the thread."""
