"""Reception (issue 11): shipments from partner sites, received tube by tube with a scanner."""
