"""Financing queries (融资信用查询, issue #8 item 5).

A subject authorises a named bank (金融机构, identified by its registered organisation) to see its
credit for a bounded period; the bank then pulls a credit report (JSON or PDF) with scores, labels,
the records that count and ledger inclusion proofs. Shandong plan （十七）: "金融机构可通过融资服务平台调取
融资申请方的信用信息" — only with the applicant's authorisation (DESIGN §1).
"""
