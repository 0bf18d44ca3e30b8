"""Portal pages of communications (announcements), mounted at /portal/announcements/."""
