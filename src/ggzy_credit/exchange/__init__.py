"""Data exchange (数据交换): external imports, bid metadata, webhooks/outbox, public export."""
