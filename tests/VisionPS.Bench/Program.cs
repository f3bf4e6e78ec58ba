using System;
using System.Threading.Tasks;
using VisionPS.Bench;

// dotnet run -c Release --project tests/VisionPS.Bench -- <verb> [options] ...
//   prepare   prepares images as the cmdlets do and prints one JSON object per file (PrepareVerb.cs)
//   chat      prepares images and asks a model about them, printing the answer as JSON (ChatVerb.cs)
//   fuzz      mutation-fuzzes the image core, decoding in a child process (FuzzVerb.cs)
//   checks    times the integrity and alpha checks per megapixel (ChecksVerb.cs)
return args.Length == 0 ? Usage() : args[0] switch
{
    "prepare" => await PrepareVerb.RunAsync(args[1..]),
    "chat" => await ChatVerb.RunAsync(args[1..]),
    "fuzz" => await FuzzVerb.RunAsync(args[1..]),
    "probe" => await ProbeVerb.RunAsync(args[1..]),
    "checks" => await ChecksVerb.RunAsync(args[1..]),
    "fuzz-worker" => FuzzVerb.Worker(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: VisionPS.Bench prepare [--max-side N] [--max-bytes N] [--png] [--detail low|high|auto] [--model NAME] [--out DIR] FILE...");
    Console.Error.WriteLine("       VisionPS.Bench chat --base-uri URL [--api chat|responses] [--model M] [--detail D] [--stream] --prompt TEXT FILE_OR_URL...");
    return 2;
}
