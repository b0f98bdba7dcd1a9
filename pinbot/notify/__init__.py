"""Telling the owner: email (SMTP) and a webhook (Slack, Discord, ntfy). Infrastructure, stdlib only."""
