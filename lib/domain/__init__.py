"""The commission's work as pure functions over a snapshot: periods and schedules, the rules and checks, the
figures of «Свод», the plan and the meetings.
"""
