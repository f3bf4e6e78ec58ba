using System;
using System.Diagnostics;
using System.IO;
using System.Management.Automation;
using VisionPS.HelpGen;

// Generates VisionPS's external help (MAML) from the built module and its XML docs; run by the build after the net8.0
// build of src/VisionPS (src/Help.targets).
//   VisionPS.HelpGen --manifest VisionPS.psd1 --docs VisionPS.xml --out en-US/VisionPS.dll-Help.xml
// Exit codes: 0 written; 1 the docs are incomplete (each gap printed as an MSBuild error); 2 could not run.
const string Origin = "VisionPS.HelpGen";
string? manifest = null, docsPath = null, output = null;
for (int i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--manifest": manifest = args[i + 1]; break;
        case "--docs": docsPath = args[i + 1]; break;
        case "--out": output = args[i + 1]; break;
    }
}
if (manifest == null || docsPath == null || output == null || args.Length % 2 != 0)
{
    Console.Error.WriteLine($"usage: {Origin} --manifest <module.psd1> --docs <assembly.xml> --out <help.xml>");
    return 2;
}

var clock = Stopwatch.StartNew();
// Never leave the help of an older build behind: a failed run must not look like a successful one.
try
{
    if (File.Exists(output))
    {
        File.Delete(output);
    }
    XmlDocs docs = XmlDocs.LoadOrExplain(docsPath);
    var cmdlets = HelpGenerator.ImportCmdlets(Path.GetFullPath(manifest));
    HelpResult result = HelpGenerator.Generate(cmdlets, docs);
    if (result.Maml == null)
    {
        // MSBuild's canonical error format, so Exec reports each line as a build error.
        foreach (string problem in result.Problems)
        {
            Console.WriteLine($"{Origin} : error VPSHELP1: {problem}");
        }
        Console.WriteLine($"{Origin} : error VPSHELP1: Cmdlet help is incomplete ({result.Problems.Count} gap(s) above). " +
                          "Every cmdlet needs a synopsis, a description, a description of every parameter and at least " +
                          $"{HelpBuilder.MinimumExamples} examples in its XML docs: see 'Cmdlet help' in README.md.");
        return 1;
    }
    MamlWriter.Save(result.Maml, output);
    Console.WriteLine($"{Origin}: help for {result.Commands.Count} cmdlet(s) -> {Path.GetFullPath(output)} ({clock.ElapsedMilliseconds} ms)");
    return 0;
}
catch (Exception ex) when (ex is IOException || ex is System.Xml.XmlException || ex is InvalidOperationException || ex is RuntimeException || ex is UnauthorizedAccessException)
{
    Console.WriteLine($"{Origin} : error VPSHELP2: {ex.Message}");
    return 2;
}
