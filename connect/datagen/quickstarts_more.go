package datagen

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
)

// More kafka-connect-datagen quickstarts, the ones Confluent's ksqlDB
// tutorials and demos use. Record and field names, Avro types, key
// fields, ranges, iteration hints and the short enumerations tutorials
// filter or join on follow upstream; ids that join across quickstarts
// line up as upstream's do (clickstream's status and userid with
// clickstream_codes' code and clickstream_users' user_id, the shoe
// product and customer ids, card_id and store_id of transactions,
// vehicle, player, customer and employee ids). Free-text values (names,
// addresses, e-mails, products) are eddy's own, generated once from a
// fixed seed so every build has the same lists.

// Counts of the entities other quickstarts refer to.
const (
	shoeProducts       = 200 // shoes; shoe_orders' and shoe_clickstream's product_id
	shoeCustomers      = 150 // shoe_customers; shoe_orders' customer_id, shoe_clickstream's user_id
	insuranceCustomers = 150 // insurance_customers; insurance_customer_activity's customer_id
)

func init() {
	r := rand.New(rand.NewPCG(20240601, 7)) // fixed: the lists are part of the quickstarts
	people := make([]string, 100)
	for i := range people {
		people[i] = firstNames[r.IntN(len(firstNames))] + " " + lastNames[r.IntN(len(lastNames))]
	}
	ips := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("%d.%d.%d.%d", 1+r.IntN(223), r.IntN(256), r.IntN(256), 1+r.IntN(254))
		}
		return out
	}
	deviceIPs := ips(100)

	// clickstream demo: codes for clickstream's status, users for its userid.
	add("clickstream_codes", "code", `{"namespace":"clickstream","name":"codes","type":"record","fields":[
 {"name":"code","type":"int"},{"name":"definition","type":"string"}],
 "arg.properties":{"options":[{"code":200,"definition":"Successful"},{"code":302,"definition":"Redirect"},{"code":404,"definition":"Page not found"},
  {"code":405,"definition":"Method not allowed"},{"code":406,"definition":"Not acceptable"},{"code":407,"definition":"Proxy authentication required"}]}}`)
	add("clickstream_users", "user_id", `{"namespace":"clickstream","name":"users","type":"record","fields":[
 {"name":"user_id","type":{"type":"int","arg.properties":{"iteration":{"start":1}}}},
 {"name":"username","type":{"type":"string","arg.properties":{"options":%s}}},
 {"name":"registered_at","type":{"type":"long","arg.properties":{"range":{"min":1407645330000,"max":1502339792000}}}},
 {"name":"first_name","type":{"type":"string","arg.properties":{"options":%s}}},
 {"name":"last_name","type":{"type":"string","arg.properties":{"options":%s}}},
 {"name":"city","type":{"type":"string","arg.properties":{"options":["Palo Alto","San Francisco","Raleigh","London","Frankfurt","New York"]}}},
 {"name":"level","type":{"type":"string","arg.properties":{"options":["Gold","Silver","Platinum"]}}}]}`,
		usernames(r, 18), firstNames[:12], lastNames[:12])

	// shoes: products, customers, and orders and clicks that refer to both.
	productIDs, customerIDs := uuids(r, shoeProducts), uuids(r, shoeCustomers)
	products := make([]any, shoeProducts)
	for i, id := range productIDs {
		products[i] = map[string]any{"id": id, "brand": shoeBrands[r.IntN(len(shoeBrands))],
			"name":       shoeName(r),
			"sale_price": 1495 + 500*r.IntN(44), "rating": ratingOf(r)}
	}
	add("shoes", "id", `{"namespace":"shoes","name":"shoe_product","type":"record","fields":[
 {"name":"id","type":"string"},{"name":"brand","type":"string"},{"name":"name","type":"string"},
 {"name":"sale_price","type":"int"},{"name":"rating","type":"double"}],"arg.properties":{"options":%s}}`, products)
	customers := make([]any, shoeCustomers)
	for i, id := range customerIDs {
		first, last := firstNames[r.IntN(len(firstNames))], lastNames[r.IntN(len(lastNames))]
		st := usStates[r.IntN(len(usStates))]
		customers[i] = map[string]any{"id": id, "first_name": first, "last_name": last,
			"email":          strings.ToLower(first[:1]+last) + fmt.Sprintf("%d@example.com", r.IntN(100)),
			"phone":          fmt.Sprintf("%03d-%03d-%04d", 201+r.IntN(780), 200+r.IntN(800), r.IntN(10000)),
			"street_address": fmt.Sprintf("%d %s %s", 1+r.IntN(9999), streetNames[r.IntN(len(streetNames))], streetKinds[r.IntN(len(streetKinds))]),
			"state":          st[0], "zip_code": fmt.Sprintf("%s%04d", st[1], r.IntN(10000)), "country": "United States", "country_code": "US"}
	}
	add("shoe_customers", "id", `{"namespace":"shoes","name":"shoe_customers","type":"record","fields":[
 {"name":"id","type":"string"},{"name":"first_name","type":"string"},{"name":"last_name","type":"string"},
 {"name":"email","type":"string"},{"name":"phone","type":"string"},{"name":"street_address","type":"string"},
 {"name":"state","type":"string"},{"name":"zip_code","type":"string"},{"name":"country","type":"string"},
 {"name":"country_code","type":"string"}],"arg.properties":{"options":%s}}`, customers)
	add("shoe_orders", "order_id", `{"namespace":"shoes","name":"shoe_orders","type":"record","fields":[
 {"name":"order_id","type":{"type":"int","arg.properties":{"iteration":{"start":1000,"step":1}}}},
 {"name":"product_id","type":{"type":"string","arg.properties":{"options":%s}}},
 {"name":"customer_id","type":{"type":"string","arg.properties":{"options":%s}}},
 {"name":"ts","type":{"type":"long","logicalType":"timestamp-millis","arg.properties":{"iteration":{"start":1609459200000,"step":100000}}}}]}`,
		productIDs, customerIDs)
	add("shoe_clickstream", "product_id", `{"namespace":"shoes","name":"shoe_clickstream","type":"record","fields":[
 {"name":"product_id","type":{"type":"string","arg.properties":{"options":%s}}},
 {"name":"user_id","type":{"type":"string","arg.properties":{"options":%s}}},
 {"name":"view_time","type":{"type":"int","arg.properties":{"range":{"min":10,"max":120}}}},
 {"name":"page_url","type":{"type":"string","arg.properties":{"regex":"https://www[.]acme[.]com/product/[a-z]{5}"}}},
 {"name":"ip","type":{"type":"string","arg.properties":{"options":%s}}},
 {"name":"ts","type":{"type":"long","logicalType":"timestamp-millis","arg.properties":{"iteration":{"start":1609457200000,"step":10000}}}}]}`,
		productIDs, customerIDs, deviceIPs)

	// pizza orders: accepted orders take every store_order_id from 1000,
	// completed ones the even and cancelled ones the odd.
	lines := make([]any, 100)
	for i := range lines {
		cat := pizzaCategories[r.IntN(len(pizzaCategories))]
		q, price := 1+r.IntN(5), float64(124+r.IntN(2374))/100
		lines[i] = map[string]any{"product_id": 1 + r.IntN(99), "category": cat, "quantity": q,
			"unit_price": price, "net_price": float64(int64(float64(q)*price*100+0.5)) / 100}
	}
	add("pizza_orders", "store_id", `{"namespace":"pizza_orders","name":"pizza_orders","type":"record","fields":[
 {"name":"store_id","type":{"type":"int","arg.properties":{"range":{"min":1,"max":10}}}},
 {"name":"store_order_id","type":{"type":"int","arg.properties":{"iteration":{"start":1000,"step":1}}}},
 {"name":"coupon_code","type":{"type":"int","arg.properties":{"range":{"min":1000,"max":2000}}}},
 {"name":"date","type":{"type":"int","logicalType":"date","arg.properties":{"range":{"min":18000,"max":19000}}}},
 {"name":"status","type":{"type":"string","arg.properties":{"options":["accepted"]}}},
 {"name":"order_lines","type":{"type":"array","items":{"name":"order_line","type":"record","fields":[
  {"name":"product_id","type":"int"},{"name":"category","type":"string"},{"name":"quantity","type":"int"},
  {"name":"unit_price","type":"double"},{"name":"net_price","type":"double"}],"arg.properties":{"options":%s}},
  "arg.properties":{"length":{"min":1,"max":5}}}}]}`, lines)
	add("pizza_orders_completed", "store_id", `{"namespace":"pizza_orders","name":"pizza_orders_completed","type":"record","fields":[
 {"name":"store_id","type":{"type":"int","arg.properties":{"range":{"min":1,"max":10}}}},
 {"name":"store_order_id","type":{"type":"int","arg.properties":{"iteration":{"start":1000,"step":2}}}},
 {"name":"date","type":{"type":"int","logicalType":"date","arg.properties":{"range":{"min":18000,"max":19000}}}},
 {"name":"status","type":{"type":"string","arg.properties":{"options":["completed"]}}},
 {"name":"rack_time_secs","type":{"type":"int","arg.properties":{"range":{"min":130,"max":230}}}},
 {"name":"order_delivery_time_secs","type":{"type":"int","arg.properties":{"range":{"min":1100,"max":2000}}}}]}`)
	add("pizza_orders_cancelled", "store_id", `{"namespace":"pizza_orders","name":"pizza_orders_cancelled","type":"record","fields":[
 {"name":"store_id","type":{"type":"int","arg.properties":{"range":{"min":1,"max":10}}}},
 {"name":"store_order_id","type":{"type":"int","arg.properties":{"iteration":{"start":1001,"step":2}}}},
 {"name":"date","type":{"type":"int","logicalType":"date","arg.properties":{"range":{"min":18000,"max":19000}}}},
 {"name":"status","type":{"type":"string","arg.properties":{"options":["cancelled"]}}}]}`)

	// retail: inventory and product count up together; purchases,
	// stores (transactions' store_id) and credit_cards (its card_id).
	add("inventory", "id", `{"namespace":"ksql","name":"inventory","type":"record","fields":[
 {"name":"id","type":{"type":"long","arg.properties":{"iteration":{"start":0}}}},
 {"name":"quantity","type":{"type":"long","arg.properties":{"iteration":{"start":0}}}},
 {"name":"productid","type":{"type":"long","arg.properties":{"iteration":{"start":0}}}}]}`)
	add("product", "id", `{"namespace":"ksql","name":"product","type":"record","fields":[
 {"name":"id","type":{"type":"long","arg.properties":{"iteration":{"start":0}}}},
 {"name":"name","type":{"type":"string","arg.properties":{"iteration":{"start":0}}}},
 {"name":"description","type":{"type":"string","arg.properties":{"iteration":{"start":0}}}},
 {"name":"price","type":{"type":"double","arg.properties":{"iteration":{"start":0}}}}]}`)
	add("purchases", "id", `{"namespace":"datagen.example","name":"purchase","type":"record","fields":[
 {"name":"id","type":{"type":"long","arg.properties":{"iteration":{"start":0}}}},
 {"name":"item_type","type":{"type":"string","arg.properties":{"options":%s}}},
 {"name":"quantity","type":{"type":"long","arg.properties":{"range":{"min":1,"max":10}}}},
 {"name":"price_per_unit","type":{"type":"bytes","logicalType":"decimal","precision":4,"scale":2,"arg.properties":{"range":{"min":10.0,"max":50.0}}}}]}`,
		purchaseItems)
	stores := make([]any, len(storeCities))
	for i, c := range storeCities {
		stores[i] = map[string]any{"store_id": i + 1, "city": c[0], "state": c[1]}
	}
	add("stores", "store_id", `{"namespace":"datagen.example","name":"stores","type":"record","fields":[
 {"name":"store_id","type":"int"},{"name":"city","type":"string"},{"name":"state","type":"string"}],"arg.properties":{"options":%s}}`, stores)
	cards := make([]any, 24)
	for i := range cards {
		cards[i] = map[string]any{"card_id": i + 1, "card_number": luhn(r, []string{"4", "51", "37", "6011"}[r.IntN(4)]),
			"cvv": 100 + r.IntN(900), "expiration_date": fmt.Sprintf("%02d/%02d", 1+r.IntN(12), 26+r.IntN(5))}
	}
	add("credit_cards", "card_id", `{"namespace":"datagen.example","name":"users","type":"record","fields":[
 {"name":"card_id","type":"int"},{"name":"card_number","type":"long"},{"name":"cvv","type":"int"},{"name":"expiration_date","type":"string"}],
 "arg.properties":{"options":%s}}`, cards)

	// fleet management: three views of vehicles 1000..9998.
	add("fleet_mgmt_description", "vehicle_id", `{"namespace":"fleet_mgmt","name":"fleet_mgmt_description","type":"record","fields":[
 {"name":"vehicle_id","type":{"type":"int","arg.properties":{"range":{"min":1000,"max":9999}}}},
 {"name":"driver_name","type":{"type":"string","arg.properties":{"options":%s}}},
 {"name":"license_plate","type":{"type":"string","arg.properties":{"regex":"[A-Z]{2}\\d{6}[A-Z]"}}}]}`, people)
	points := make([]any, 30)
	for i := range points {
		points[i] = map[string]any{"latitude": float64(int64((37.3+r.Float64()*3.6)*1e6)) / 1e6, "longitude": float64(int64((-122.1+r.Float64()*5.6)*1e6)) / 1e6}
	}
	add("fleet_mgmt_location", "vehicle_id", `{"namespace":"fleet_mgmt","name":"fleet_mgmt_location","type":"record","fields":[
 {"name":"vehicle_id","type":{"type":"int","arg.properties":{"range":{"min":1000,"max":9999}}}},
 {"name":"location","type":{"type":"record","name":"location","fields":[{"name":"latitude","type":"double"},{"name":"longitude","type":"double"}]},
  "arg.properties":{"options":%s}},
 {"name":"ts","type":{"type":"long","logicalType":"timestamp-millis","arg.properties":{"iteration":{"start":1609459200000,"step":100000}}}}]}`, points)
	add("fleet_mgmt_sensors", "vehicle_id", `{"namespace":"fleet_mgmt","name":"fleet_mgmt_sensors","type":"record","fields":[
 {"name":"vehicle_id","type":{"type":"int","arg.properties":{"range":{"min":1000,"max":9999}}}},
 {"name":"engine_temperature","type":{"type":"int","arg.properties":{"range":{"min":150,"max":250}}}},
 {"name":"average_rpm","type":{"type":"int","arg.properties":{"range":{"min":1800,"max":5000}}}}]}`)

	add("campaign_finance", "candidate_id", `{"namespace":"datagen","name":"campaign_finance","type":"record","fields":[
 {"name":"time","type":{"type":"long","arg.properties":{"range":{"min":1587715775521,"max":1619273364600}}}},
 {"name":"candidate_id","type":{"type":"string","arg.properties":{"regex":"[A-Z][1-9]{8,8}"}}},
 {"name":"party_affiliation","type":{"type":"string","arg.properties":{"options":["REP","DEM","IND"]}}},
 {"name":"contribution","type":{"type":"int","arg.properties":{"range":{"min":20,"max":3500}}}}]}`)
	macs := make([]string, 50)
	for i := range macs {
		macs[i] = fmt.Sprintf("%02X-%02X-%02X-%02X-%02X-%02X", r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(256))
	}
	add("device_information", "device_ip", `{"namespace":"device_information","name":"device_information","type":"record","fields":[
 {"name":"device_ip","type":{"type":"string","arg.properties":{"options":%s}}},
 {"name":"mac_address","type":{"type":"string","arg.properties":{"options":%s}}},
 {"name":"owner","type":{"type":"string","arg.properties":{"options":%s}}}]}`, deviceIPs, macs, people)
	// siem_logs' hostnames and addresses are the devices' IPs, as upstream.
	add("siem_logs", "hostname", `{"namespace":"siem_logs","name":"siem_logs","type":"record","fields":[
 {"name":"hostname","type":{"type":"string","arg.properties":{"options":%[1]s}}},
 {"name":"action","type":{"type":"string","arg.properties":{"options":["allow","deny"]}}},
 {"name":"l4","type":{"type":"string","arg.properties":{"options":["tcp"]}}},
 {"name":"access_group","type":{"type":"string","arg.properties":{"options":["group-1","group-2","group-3","group-4","admin"]}}},
 {"name":"source","type":{"type":"record","name":"source","fields":[
  {"name":"ip","type":{"type":"string","arg.properties":{"options":%[1]s}}},
  {"name":"port","type":{"type":"int","arg.properties":{"range":{"min":10000,"max":99999}}}}]}},
 {"name":"destination","type":{"type":"record","name":"destination","fields":[
  {"name":"ip","type":{"type":"string","arg.properties":{"options":%[1]s}}},
  {"name":"port","type":{"type":"int","arg.properties":{"range":{"min":10000,"max":99999}}}}]}}]}`, deviceIPs)
	add("syslog_logs", "host", `{"namespace":"syslogs","name":"syslog_logs","type":"record","fields":[
 {"name":"name","type":{"type":"string","arg.properties":{"regex":"[a-zA-Z]{5,8}"}}},
 {"name":"type","type":{"type":"string","arg.properties":{"options":["RFC5424","RFC3164","CEF","UNKNOWN"]}}},
 {"name":"message","type":{"type":"string","arg.properties":{"regex":"[a-z ]{10,15}"}}},
 {"name":"host","type":{"type":"string","arg.properties":{"options":%s}}},
 {"name":"version","type":{"type":"string","arg.properties":{"options":["3.25.1"]}}},
 {"name":"tag","type":{"type":"string","arg.properties":{"options":[".source.s_src"]}}},
 {"name":"level","type":{"type":"int","arg.properties":{"range":{"min":0,"max":191}}}},
 {"name":"facility","type":{"type":"string","arg.properties":{"options":["syslog","authpriv","cron"]}}},
 {"name":"severity","type":{"type":"int","arg.properties":{"range":{"min":0,"max":8}}}},
 {"name":"appName","type":{"type":"string","arg.properties":{"regex":"[A-Z]{5,8}"}}},
 {"name":"remoteAddress","type":{"type":"string","arg.properties":{"options":%s}}},
 {"name":"rawMessage","type":{"type":"string","arg.properties":{"regex":"[a-z ]{10,15}"}}},
 {"name":"processId","type":{"type":"string","arg.properties":{"regex":"[1-9]{1}[0-9]{6}"}}},
 {"name":"messageId","type":{"type":"string","arg.properties":{"regex":"[1-9]{1}[0-9]{2}"}}},
 {"name":"deviceVendor","type":{"type":"string","arg.properties":{"regex":"[a-z]{5}"}}},
 {"name":"deviceProduct","type":{"type":"string","arg.properties":{"regex":"[a-z]{5}"}}},
 {"name":"deviceVersion","type":{"type":"string","arg.properties":{"options":["1.0","2.0","3.0","4.0","5.0"]}}},
 {"name":"ts","type":{"type":"long","arg.properties":{"iteration":{"start":1609459200000,"step":100}}}}]}`, ips(10), ips(10))

	// gaming: rooms 1000..4999, players 1001..1100.
	add("gaming_games", "id", `{"namespace":"gaming","name":"gaming_games","type":"record","fields":[
 {"name":"id","type":{"type":"int","arg.properties":{"range":{"min":1000,"max":5000}}}},
 {"name":"room_name","type":{"type":"string","arg.properties":{"options":["Arcade -- Rookie","Arcade -- Skilled","Arcade -- Expert",
  "Survival -- Rookie","Survival -- Skilled","Survival -- Expert","Classic -- Rookie","Classic -- Skilled","Classic -- Expert"]}}},
 {"name":"created_date","type":{"type":"long","logicalType":"timestamp-millis","arg.properties":{"iteration":{"start":1609459200000,"step":100000}}}}]}`)
	players := make([]any, 100)
	playerIPs := ips(100)
	for i := range players {
		players[i] = map[string]any{"player_id": 1001 + i, "player_name": people[i], "ip": playerIPs[i]}
	}
	add("gaming_players", "player_id", `{"namespace":"gaming","name":"gaming_players","type":"record","fields":[
 {"name":"player_id","type":"int"},{"name":"player_name","type":"string"},{"name":"ip","type":"string"}],"arg.properties":{"options":%s}}`, players)
	add("gaming_player_activity", "player_id", `{"namespace":"gaming","name":"gaming_player_activity","type":"record","fields":[
 {"name":"player_id","type":{"type":"int","arg.properties":{"range":{"min":1001,"max":1101}}}},
 {"name":"game_room_id","type":{"type":"int","arg.properties":{"range":{"min":1000,"max":5000}}}},
 {"name":"points","type":{"type":"int","arg.properties":{"range":{"min":10,"max":500}}}},
 {"name":"coordinates","type":{"type":"string","arg.properties":{"regex":"\\[[0-9][0-9],[0-9][0-9]\\]"}}}]}`)

	// insurance: activity refers to the customers by their ids.
	insIDs := r.Perm(990)[:insuranceCustomers]
	insCustomers := make([]any, len(insIDs))
	for i := range insIDs {
		insIDs[i] += 10
		first, last := firstNames[r.IntN(len(firstNames))], lastNames[r.IntN(len(lastNames))]
		insCustomers[i] = map[string]any{"customer_id": insIDs[i], "first_name": first, "last_name": last,
			"email": strings.ToLower(first+"."+last) + "@example.net", "gender": []string{"Male", "Female"}[r.IntN(2)],
			"income": 50000 + r.IntN(450000), "fico": 400 + r.IntN(500), "years_active": 1 + r.IntN(45)}
	}
	add("insurance_customers", "customer_id", `{"namespace":"insurance","name":"insurance_customers","type":"record","fields":[
 {"name":"customer_id","type":"int"},{"name":"first_name","type":"string"},{"name":"last_name","type":"string"},
 {"name":"email","type":"string"},{"name":"gender","type":"string"},{"name":"income","type":"int"},
 {"name":"fico","type":"int"},{"name":"years_active","type":"int"}],"arg.properties":{"options":%s}}`, insCustomers)
	offers := []any{}
	for i, o := range []string{"new_home_policy", "new_auto_policy", "discount_existing", "safe_driver_program", "no_offer"} {
		offers = append(offers, map[string]any{"offer_id": i + 1, "offer_name": o, "offer_url": "https://insurance.example.com/offers/" + strings.ReplaceAll(o, "_", "-")})
	}
	add("insurance_offers", "offer_id", `{"namespace":"insurance","name":"insurance_offers","type":"record","fields":[
 {"name":"offer_id","type":"int"},{"name":"offer_name","type":"string"},{"name":"offer_url","type":"string"}],"arg.properties":{"options":%s}}`, offers)
	add("insurance_customer_activity", "activity_id", `{"namespace":"insurance","name":"insurance_customer_activity","type":"record","fields":[
 {"name":"activity_id","type":{"type":"int","arg.properties":{"iteration":{"start":1,"step":1}}}},
 {"name":"customer_id","type":{"type":"int","arg.properties":{"options":%s}}},
 {"name":"activity_type","type":{"type":"string","arg.properties":{"options":["web_open","mobile_open","new_account"]}}},
 {"name":"propensity_to_churn","type":{"type":"double","arg.properties":{"range":{"min":0.01,"max":1}}}},
 {"name":"ip_address","type":{"type":"string","arg.properties":{"options":%s}}}]}`, insIDs, ips(50))

	// payroll: employees 1000..1099.
	employees := make([]any, 100)
	for i := range employees {
		first, last := firstNames[r.IntN(len(firstNames))], lastNames[r.IntN(len(lastNames))]
		employees[i] = map[string]any{"employee_id": 1000 + i, "first_name": first, "last_name": last, "age": 30 + r.IntN(20),
			"ssn":         fmt.Sprintf("%03d-%02d-%04d", 100+r.IntN(800), 10+r.IntN(90), r.IntN(10000)),
			"hourly_rate": 8 + r.IntN(17), "gender": []string{"male", "female"}[r.IntN(2)],
			"email": strings.ToLower(first[:1]+last) + "@mycompany.example"}
	}
	add("payroll_employee", "employee_id", `{"type":"record","namespace":"payroll","name":"payroll_employee","fields":[
 {"name":"employee_id","type":"int"},{"name":"first_name","type":"string"},{"name":"last_name","type":"string"},
 {"name":"age","type":"int"},{"name":"ssn","type":"string"},{"name":"hourly_rate","type":"int"},
 {"name":"gender","type":"string"},{"name":"email","type":"string"}],"arg.properties":{"options":%s}}`, employees)
	add("payroll_employee_location", "employee_id", `{"type":"record","namespace":"payroll","name":"payroll_employee_location","fields":[
 {"name":"employee_id","type":{"type":"int","arg.properties":{"range":{"min":1000,"max":1100}}}},
 {"name":"lab","type":{"type":"string","arg.properties":{"regex":"lab-\\d{1}"}}},
 {"name":"department_id","type":{"type":"int","arg.properties":{"range":{"min":1,"max":10}}}},
 {"name":"arrival_date","type":{"type":"int","logicalType":"date","arg.properties":{"range":{"min":18000,"max":19000}}}}]}`)
	add("payroll_bonus", "employee_id", `{"type":"record","namespace":"payroll","name":"payroll_bonus","fields":[
 {"name":"employee_id","type":{"type":"int","arg.properties":{"range":{"min":1000,"max":1100}}}},
 {"name":"bonus","type":{"type":"int","arg.properties":{"range":{"min":10,"max":50}}}},
 {"name":"ts","type":{"type":"long","logicalType":"timestamp-millis","arg.properties":{"range":{"min":1609459200000,"max":1640995199000}}}}]}`)

	// users_: users with an array of interests and a map of contact details.
	contacts := make([]any, 5)
	for i := range contacts {
		c := storeCities[i]
		contacts[i] = map[string]any{"phone": fmt.Sprintf("%03d555%04d", 201+r.IntN(700), r.IntN(10000)), "city": c[0], "state": c[1], "zipcode": fmt.Sprintf("%05d", 10000+r.IntN(89999))}
	}
	add("users_", "userid", `{"namespace":"ksql","name":"users","type":"record","fields":[
 {"name":"registertime","type":{"type":"long","arg.properties":{"range":{"min":1487715775521,"max":1519273364600}}}},
 {"name":"userid","type":{"type":"string","arg.properties":{"regex":"User_[1-9]"}}},
 {"name":"regionid","type":{"type":"string","arg.properties":{"regex":"Region_[1-9]"}}},
 {"name":"gender","type":{"type":"string","arg.properties":{"options":["MALE","FEMALE","OTHER"]}}},
 {"name":"interests","type":{"type":"array","items":"string","arg.properties":{"options":[["Game","News"],["Game","Sport"],["News","Movies"],["News","Travel"]]}}},
 {"name":"contactinfo","type":{"type":"map","values":"string","arg.properties":{"options":%s}}}]}`, contacts)
}

// add parses nothing yet: it stores the schema text (with the lists
// formatted in as JSON) for schemaOf to parse.
func add(name, key, schema string, lists ...any) {
	args := make([]any, len(lists))
	for i, l := range lists {
		b, err := json.Marshal(l)
		if err != nil {
			panic(err)
		}
		args[i] = string(b)
	}
	if len(args) > 0 {
		schema = fmt.Sprintf(schema, args...)
	}
	quickstarts[name] = quickstart{key, schema}
}

// uuids returns n random version-4 UUIDs.
func uuids(r *rand.Rand, n int) []string {
	out := make([]string, n)
	for i := range out {
		a, b := r.Uint64(), r.Uint64()
		out[i] = fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", a>>32, a>>16&0xffff, a&0xfff, 0x8000|b>>48&0x3fff, b&0xffffffffffff)
	}
	return out
}

func usernames(r *rand.Rand, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s_%s%d", strings.ToLower(firstNames[r.IntN(len(firstNames))]), strings.ToLower(lastNames[r.IntN(len(lastNames))][:1]), r.IntN(1000))
	}
	return out
}

// shoeName is two different model words and a number.
func shoeName(r *rand.Rand) string {
	a := r.IntN(len(shoeModels))
	b := (a + 1 + r.IntN(len(shoeModels)-1)) % len(shoeModels)
	return fmt.Sprintf("%s %s %d", shoeModels[a], shoeModels[b], 100+r.IntN(900))
}

// ratingOf is a shoe's rating: unrated (0) or 1.0 to 5.0.
func ratingOf(r *rand.Rand) float64 {
	if r.IntN(3) == 0 {
		return 0
	}
	return float64(10+r.IntN(41)) / 10
}

// luhn returns a 16-digit card number with the prefix and a valid check digit.
func luhn(r *rand.Rand, prefix string) int64 {
	d := []byte(prefix)
	for len(d) < 15 {
		d = append(d, byte('0'+r.IntN(10)))
	}
	sum := 0
	for i := range 15 { // from the right, the check digit's neighbour is doubled
		v := int(d[14-i] - '0')
		if i%2 == 0 {
			if v *= 2; v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	d = append(d, byte('0'+(10-sum%10)%10))
	var n int64
	for _, c := range d {
		n = n*10 + int64(c-'0')
	}
	return n
}

var (
	firstNames = []string{"Ada", "Bruno", "Carmen", "Dmitri", "Elena", "Farid", "Greta", "Hugo", "Ines", "Jonas", "Keiko", "Lars",
		"Maya", "Nils", "Olga", "Pablo", "Quinn", "Rosa", "Sami", "Tess", "Umar", "Vera", "Wim", "Yara", "Zoltan"}
	lastNames = []string{"Abbott", "Brandt", "Castillo", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ivanova", "Jensen",
		"Kowalski", "Lindqvist", "Moreau", "Novak", "Okafor", "Petrov", "Quintero", "Rossi", "Schmidt", "Tanaka", "Ueda", "Varga", "Weber", "Yilmaz"}
	shoeBrands = []string{"Northpeak", "Stridewell", "Bolt & Sole", "Kestrel Athletics", "Harbor Footwear", "Ridgeline",
		"Tempo Labs", "Pacer Bros", "Alder & Finch", "Summit Gear", "Cobalt Run", "Meadowlark"}
	shoeModels      = []string{"Glide", "Apex", "Vector", "Trail", "Nimbus", "Sprint", "Cascade", "Orbit", "Pulse", "Drift"}
	streetNames     = []string{"Oak", "Maple", "Cedar", "Lake", "Hill", "Park", "River", "Sunset", "Elm", "Willow", "Mill", "Pine"}
	streetKinds     = []string{"Street", "Avenue", "Road", "Lane", "Court", "Drive", "Way", "Place"}
	usStates        = [][2]string{{"California", "9"}, {"New York", "1"}, {"Texas", "7"}, {"Florida", "3"}, {"Ohio", "4"}, {"Colorado", "8"}, {"Georgia", "3"}, {"Washington", "9"}, {"Illinois", "6"}, {"Massachusetts", "0"}}
	pizzaCategories = []string{"pizza", "calzone", "salad", "wings", "dessert"}
	purchaseItems   = []string{"lamp", "kettle", "backpack", "sneakers", "jacket", "blender", "umbrella", "notebook",
		"headphones", "mug", "pillow", "skillet", "bicycle bell", "candle", "puzzle", "rug"}
	storeCities = [][2]string{{"Portland", "OR"}, {"Denver", "CO"}, {"Madison", "WI"}, {"Nashville", "TN"}, {"Phoenix", "AZ"}, {"Columbus", "OH"}, {"Richmond", "VA"}}
)
