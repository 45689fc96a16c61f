package datagen

// quickstart is a built-in schema: an Avro record with arg.properties
// hints, and the field used as the key. Field names, types and value
// ranges follow the kafka-connect-datagen quickstarts of the same names,
// so statements and tutorials written against those work unchanged.
type quickstart struct {
	keyField string
	schema   string
}

var quickstarts = map[string]quickstart{
	"ratings": {"rating_id", `{"type":"record","namespace":"ksql","name":"ratings","fields":[
 {"name":"rating_id","type":{"type":"long","arg.properties":{"iteration":{"start":1}}}},
 {"name":"user_id","type":{"type":"int","arg.properties":{"range":{"min":-1,"max":20}}}},
 {"name":"stars","type":{"type":"int","arg.properties":{"range":{"min":1,"max":5}}}},
 {"name":"route_id","type":{"type":"int","arg.properties":{"range":{"min":1,"max":9999}}}},
 {"name":"rating_time","type":{"type":"long","arg.properties":{"iteration":{"start":1,"step":12}}}},
 {"name":"channel","type":{"type":"string","arg.properties":{"options":["web","iOS","ios","iOS-test","android"]}}},
 {"name":"message","type":{"type":"string","arg.properties":{"options":[
  "worst. flight. ever. #neveragain",
  "Surprisingly good, maybe you are getting your mojo back at long last!",
  "Exceeded all my expectations. Thank you !",
  "meh",
  "(expletive deleted)",
  "is this as good as it gets? really ?",
  "airport refurb looks great, will fly outta here more!",
  "why is it so difficult to keep the bathrooms clean ?",
  "thank you for the most friendly, helpful experience today at your new lounge",
  "more peanuts please",
  "your team here rocks!"]}}}]}`},
	"pageviews": {"viewtime", `{"type":"record","namespace":"ksql","name":"pageviews","fields":[
 {"name":"viewtime","type":{"type":"long","arg.properties":{"iteration":{"start":1,"step":10}}}},
 {"name":"userid","type":{"type":"string","arg.properties":{"regex":"User_[1-9]"}}},
 {"name":"pageid","type":{"type":"string","arg.properties":{"regex":"Page_[1-9][0-9]"}}}]}`},
	"users": {"userid", `{"type":"record","namespace":"ksql","name":"users","fields":[
 {"name":"registertime","type":{"type":"long","arg.properties":{"range":{"min":1487715775521,"max":1519273364600}}}},
 {"name":"userid","type":{"type":"string","arg.properties":{"regex":"User_[1-9]"}}},
 {"name":"regionid","type":{"type":"string","arg.properties":{"regex":"Region_[1-9]"}}},
 {"name":"gender","type":{"type":"string","arg.properties":{"options":["MALE","FEMALE","OTHER"]}}}]}`},
	"clickstream": {"ip", `{"type":"record","namespace":"clickstream","name":"events","fields":[
 {"name":"ip","type":{"type":"string","arg.properties":{"options":[
  "111.152.45.45","111.203.236.146","111.168.57.122","111.249.79.93","111.168.57.122","111.90.225.227","111.173.165.103","111.145.8.144","111.245.174.248","111.245.174.111",
  "222.152.45.45","222.203.236.146","222.168.57.122","222.249.79.93","222.168.57.122","222.90.225.227","222.173.165.103","222.145.8.144","222.245.174.248","222.245.174.222",
  "122.152.45.245","122.203.236.246","122.168.57.222","122.249.79.233","122.168.57.222","122.90.225.227","122.173.165.203","122.145.8.244","122.245.174.248","122.245.174.122",
  "233.152.245.45","233.203.236.146","233.168.257.122","233.249.279.93","233.168.257.122","233.90.225.227","233.173.215.103","233.145.28.144","233.245.174.248","233.245.174.233"]}}},
 {"name":"userid","type":{"type":"int","arg.properties":{"range":{"min":-1,"max":40}}}},
 {"name":"remote_user","type":{"type":"string","arg.properties":{"options":["-"]}}},
 {"name":"time","type":{"type":"string","format_as_time":"dd/MMM/yyyy:HH:mm:ss Z","arg.properties":{"iteration":{"start":1,"step":10}}}},
 {"name":"_time","type":{"type":"long","arg.properties":{"iteration":{"start":1,"step":10}}}},
 {"name":"request","type":{"type":"string","arg.properties":{"options":["GET /index.html HTTP/1.1","GET /site/user_status.html HTTP/1.1","GET /site/login.html HTTP/1.1","GET /site/user_status.html HTTP/1.1","GET /images/track.png HTTP/1.1","GET /images/logo-small.png HTTP/1.1"]}}},
 {"name":"status","type":{"type":"string","arg.properties":{"options":["200","302","404","405","406","407"]}}},
 {"name":"bytes","type":{"type":"string","arg.properties":{"options":["278","1289","2048","4096","4006","4196","14096"]}}},
 {"name":"referrer","type":{"type":"string","arg.properties":{"options":["-"]}}},
 {"name":"agent","type":{"type":"string","arg.properties":{"options":["Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)","Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/59.0.3071.115 Safari/537.36"]}}}]}`},
	"orders": {"orderid", `{"type":"record","namespace":"ksql","name":"orders","fields":[
 {"name":"ordertime","type":{"type":"long","arg.properties":{"range":{"min":1487715775521,"max":1519273364600}}}},
 {"name":"orderid","type":{"type":"int","arg.properties":{"iteration":{"start":0}}}},
 {"name":"itemid","type":{"type":"string","arg.properties":{"regex":"Item_[1-9][0-9]{0,2}"}}},
 {"name":"orderunits","type":{"type":"double","arg.properties":{"range":{"min":0.1,"max":10.0}}}},
 {"name":"address","type":{"type":"record","name":"address","fields":[
  {"name":"city","type":{"type":"string","arg.properties":{"regex":"City_[1-9]{0,2}"}}},
  {"name":"state","type":{"type":"string","arg.properties":{"regex":"State_[1-9]{0,2}"}}},
  {"name":"zipcode","type":{"type":"long","arg.properties":{"range":{"min":10000,"max":99999}}}}]}}]}`},
	"transactions": {"transaction_id", `{"type":"record","namespace":"datagen.example","name":"transactions","fields":[
 {"name":"transaction_id","type":{"type":"long","arg.properties":{"iteration":{"start":1}}}},
 {"name":"card_id","type":{"type":"long","arg.properties":{"range":{"min":1,"max":24}}}},
 {"name":"user_id","type":{"type":"string","arg.properties":{"regex":"User_[1-9]{0,1}"}}},
 {"name":"purchase_id","type":{"type":"long","arg.properties":{"iteration":{"start":0}}}},
 {"name":"store_id","type":{"type":"int","arg.properties":{"range":{"min":1,"max":7}}}}]}`},
	"stock_trades": {"symbol", `{"type":"record","namespace":"ksql","name":"StockTrade","fields":[
 {"name":"side","type":{"type":"string","arg.properties":{"options":["BUY","SELL","SHORT"]}}},
 {"name":"quantity","type":{"type":"int","arg.properties":{"range":{"min":1,"max":5000}}}},
 {"name":"symbol","type":{"type":"string","arg.properties":{"options":["ZBZX","ZJZZT","ZTEST","ZVV","ZVZZT","ZWZZT","ZXZZT"]}}},
 {"name":"price","type":{"type":"int","arg.properties":{"range":{"min":5,"max":1000}}}},
 {"name":"account","type":{"type":"string","arg.properties":{"options":["ABC123","LMN456","XYZ789"]}}},
 {"name":"userid","type":{"type":"string","arg.properties":{"regex":"User_[1-9]{0,1}"}}}]}`},
}
