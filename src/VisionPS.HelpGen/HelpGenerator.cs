using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Xml.Linq;

namespace VisionPS.HelpGen
{
    /// <summary>What the generator made of a module: the MAML document, or the documentation problems that stop it.</summary>
    public sealed record HelpResult(XDocument? Maml, IReadOnlyList<string> Problems, IReadOnlyList<CommandHelp> Commands);

    /// <summary>
    /// Reads a module's cmdlets as PowerShell itself sees them and turns them, with their XML docs, into MAML.
    /// </summary>
    public static class HelpGenerator
    {
        /// <summary>
        /// Imports the module through its manifest into a fresh engine (System.Management.Automation, core cmdlets only)
        /// and returns its exported cmdlets, sorted by name.
        /// </summary>
        public static IReadOnlyList<CmdletInfo> ImportCmdlets(string manifest)
        {
            using Runspace runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
            runspace.Open();
            using var ps = PowerShell.Create();
            ps.Runspace = runspace;
            ps.AddScript("$m = Import-Module -Name $args[0] -PassThru -ErrorAction Stop; Get-Command -Module $m.Name -CommandType Cmdlet")
                .AddArgument(manifest);
            List<CmdletInfo> cmdlets = ps.Invoke().Select(o => o.BaseObject).OfType<CmdletInfo>().ToList();
            if (ps.HadErrors)
            {
                throw new InvalidOperationException(
                    $"Importing '{manifest}' wrote errors: {string.Join("; ", ps.Streams.Error.Select(e => e.ToString()))}");
            }
            // Read everything that needs the engine (parameter metadata is computed lazily) while it is open.
            foreach (CmdletInfo cmdlet in cmdlets)
            {
                _ = cmdlet.Parameters;
                _ = cmdlet.ParameterSets;
                _ = cmdlet.OutputType;
            }
            return cmdlets.OrderBy(c => c.Name, StringComparer.OrdinalIgnoreCase).ToList();
        }

        public static HelpResult Generate(IEnumerable<CmdletInfo> cmdlets, XmlDocs docs)
        {
            List<CmdletInfo> list = cmdlets.ToList();
            var builder = new HelpBuilder(docs, list);
            var problems = new List<string>();
            List<CommandHelp> commands = list.Select(c => builder.Build(c, problems)).ToList();
            if (list.Count == 0)
            {
                problems.Add("The module exports no cmdlets: nothing to document.");
            }
            return new HelpResult(problems.Count == 0 ? MamlWriter.ToMaml(commands) : null, problems, commands);
        }
    }
}
