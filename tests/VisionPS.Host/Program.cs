using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

// Usage: VisionPS.Host <manifest> <script> [args...]
// Output objects are printed as "Name : Value" lists (this engine has no Format-*/Out-String cmdlets);
// errors, warnings and verbose messages go to stderr. Exit code 1 when any error was written.
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: VisionPS.Host <VisionPS.psd1> <script> [args...]");
    return 2;
}

using Runspace runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
runspace.Open();
using PowerShell ps = PowerShell.Create();
ps.Runspace = runspace;
ps.AddScript("Import-Module -Name $args[0] -ErrorAction Stop").AddArgument(Path.GetFullPath(args[0]));
ps.Invoke();
ps.Commands.Clear();
ps.AddScript(args[1]);
foreach (string a in args.Skip(2))
{
    ps.AddArgument(a);
}
ps.Streams.Warning.DataAdded += (_, e) => Console.Error.WriteLine("WARNING: " + ps.Streams.Warning[e.Index].Message);
ps.Streams.Verbose.DataAdded += (_, e) => Console.Error.WriteLine("VERBOSE: " + ps.Streams.Verbose[e.Index].Message);
ps.Streams.Information.DataAdded += (_, e) => Console.Out.WriteLine(ps.Streams.Information[e.Index].MessageData);
var output = new PSDataCollection<PSObject>();
output.DataAdded += (_, e) =>
{
    PSObject o = output[e.Index];
    if (o.BaseObject is string or ValueType)
    {
        Console.WriteLine(o.BaseObject);
        return;
    }
    Console.WriteLine();
    int width = o.Properties.Select(p => p.Name.Length).DefaultIfEmpty(0).Max();
    foreach (PSPropertyInfo p in o.Properties)
    {
        object? value;
        try { value = p.Value; } catch (GetValueException) { value = "(unavailable)"; }
        Console.WriteLine($"{p.Name.PadRight(width)} : {(value is System.Collections.IEnumerable list and not string ? string.Join(", ", list.Cast<object>()) : value)}");
    }
};
try
{
    ps.Invoke(null, output);
}
catch (RuntimeException ex)
{
    Console.Error.WriteLine("ERROR: " + ex.ErrorRecord);
    return 1;
}
foreach (ErrorRecord e in ps.Streams.Error)
{
    Console.Error.WriteLine($"ERROR [{e.FullyQualifiedErrorId}]: {e}");
}
return ps.Streams.Error.Count > 0 ? 1 : 0;
