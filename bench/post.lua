-- wrk script: POST a different comparison each time, from the file named by $BODIES (one JSON per line).
local bodies = {}
for line in io.lines(os.getenv("BODIES")) do
  bodies[#bodies + 1] = line
end
local headers = { ["Content-Type"] = "application/json" }
local auth = os.getenv("AUTHORIZATION")
if auth and auth ~= "" then
  headers["Authorization"] = auth
end
local i = math.random(#bodies)

request = function()
  i = i % #bodies + 1
  return wrk.format("POST", nil, headers, bodies[i])
end
