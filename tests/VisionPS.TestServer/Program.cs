using System;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using VisionPS.TestServer;

// dotnet run --project tests/VisionPS.TestServer -- [--port N] [--api-key KEY] [--log] [--refuse-image-urls]
//   [--id-tail PREFIX TEXT] (the ids it makes with PREFIX end with TEXT) [--route-fault "METHOD TEMPLATE" SPEC]... (e.g. --route-fault "DELETE /v1/files/{id}" 500: see EndpointState.RouteFaults)
// Prints the base URI (http://127.0.0.1:PORT/v1) as its first line on stdout, then serves until Ctrl+C or stdin closes
// when --stdin is given (so a Pester run that starts it as a process can stop it by closing the pipe).
int port = 0;
string? apiKey = null;
bool log = false, stdin = false, refuseImageUrls = false;
var idTails = new System.Collections.Generic.List<(string Prefix, string Tail)>();
var routeFaults = new System.Collections.Generic.List<(string Route, string Spec)>();
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--port" when i + 1 < args.Length:
            port = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--api-key" when i + 1 < args.Length:
            apiKey = args[++i];
            break;
        case "--log":
            log = true;
            break;
        case "--stdin":
            stdin = true;
            break;
        case "--refuse-image-urls":
            refuseImageUrls = true;
            break;
        case "--id-tail" when i + 2 < args.Length:
            idTails.Add((args[i + 1], args[i + 2]));
            i += 2;
            break;
        case "--route-fault" when i + 2 < args.Length:
            routeFaults.Add((args[i + 1], args[i + 2]));
            i += 2;
            break;
        default:
            Console.Error.WriteLine("usage: VisionPS.TestServer [--port N] [--api-key KEY] [--log] [--stdin] [--refuse-image-urls] [--id-tail PREFIX TEXT]... [--route-fault \"METHOD TEMPLATE\" SPEC]...");
            return 2;
    }
}
// Not disposed: the handlers below may run while the process exits.
var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();
await using EndpointHost host = await EndpointHost.StartAsync(port, apiKey, log);
host.State.RefuseImageUrls = refuseImageUrls;
foreach ((string prefix, string tail) in idTails)
{
    host.State.IdTails[prefix] = tail;
}
foreach ((string route, string spec) in routeFaults)
{
    host.State.RouteFaults[route] = spec;
}
Console.WriteLine(host.BaseUri);
Console.Out.Flush();
Console.Error.WriteLine($"VisionPS test endpoint on {host.BaseUri} (faults: model 'fault:SPEC' or header {Fault.Header}); Ctrl+C stops it.");
if (stdin)
{
    _ = Task.Run(() =>
    {
        while (Console.In.ReadLine() is not null)
        {
        }
        stop.Cancel();
    });
}
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
}
return 0;
