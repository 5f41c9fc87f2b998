// Runs a CloudFront Function's code on one event, as the stub tests' model of
// CloudFront needs it (cloudfront_edge.py): stdin is {"code", "event"}, stdout
// the handler's result as JSON. A VM with no globals of Node's: CloudFront
// Functions (cloudfront-js-2.0) have no network, file system or timers.
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/functions-javascript-runtime-20.html
import vm from "node:vm";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const { code, event } = JSON.parse(input);
const handler = vm.runInNewContext(`${code}\nhandler;`, {});
process.stdout.write(JSON.stringify(handler(event)));
