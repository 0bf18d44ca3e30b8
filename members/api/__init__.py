"""The registry's API (DESIGN §6, /api/v1/), routed by members.api.urls.

Partner endpoints (a key with the scope, or any staff member, reading), in `directory` and
`statistics`:
  directory/organizations/  public facts about current members — never people or contact data
  directory/organizations/<id>/contacts/  current contacts, under the separate people:read scope
  statistics/               figures aggregated from approved yearly reports
Staff endpoints (session or personal token; partner keys get 403), in `staff`, `staff_people`
and `staff_reports`:
  organizations/, people/, affiliations/, yearly-reports/ (+ approve/return)

Each view validates input with an explicit input serializer, calls a member service or
selector, and answers with an explicit output serializer. Writes happen only in
members.services, reads in members.selectors."""
