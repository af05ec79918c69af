import java.util.*;
// Prints java.util.HashMap iteration orders for message_properties_test.cc (CapturedOrders):
//   javac HashMapOrders.java && java -cp . HashMapOrders
public class HashMapOrders {
  static String enc(Map<String,String> m){StringBuilder sb=new StringBuilder();for(Map.Entry<String,String> e:m.entrySet()){sb.append(e.getKey()).append('|');}return sb.toString();}
  static void run(String label, String[] puts, String[] removes){
    HashMap<String,String> m=new HashMap<>();
    for(String k:puts) m.put(k,"v");
    for(String k:removes) m.remove(k);
    System.out.println(label+"\t"+String.join(",",puts)+"\t"+String.join(",",removes)+"\t"+enc(m));
  }
  public static void main(String[] a){
    run("send", new String[]{"KEYS","UNIQ_KEY","WAIT","TAGS","color","CLUSTER"}, new String[]{"WAIT"});
    run("send_wait", new String[]{"KEYS","UNIQ_KEY","WAIT","TAGS","color","CLUSTER"}, new String[]{});
    run("collide", new String[]{"BB","Aa","C#","x","AaAa","BBBB","AaBB"}, new String[]{});
    List<String> many=new ArrayList<>(); for(int i=0;i<30;i++) many.add("k"+i);
    run("resize", many.toArray(new String[0]), new String[]{"k3","k17"});
    // nine names in bucket 0 of a 16 table: treeifyBin resizes
    List<String> same=new ArrayList<>(); for(int i=0;i<100000 && same.size()<9;i++){String s="p"+i;int h=s.hashCode();h^=(h>>>16); if((h&15)==5) same.add(s);} 
    run("treeify_resize", same.toArray(new String[0]), new String[]{});
    List<String> mix=new ArrayList<>(same); mix.add(2,"zz"); mix.add("a"); mix.add("K"); mix.add("b");
    run("treeify_mix", mix.toArray(new String[0]), new String[]{});
    run("utf8", new String[]{"\u00e9t\u00e9","\u4e2d\u6587","\ud83d\ude00","ascii"}, new String[]{});
    run("retry", new String[]{"CLUSTER","KEYS","TAGS","UNIQ_KEY","RETRY_TOPIC","WAIT","DELAY","ORIGIN_MESSAGE_ID"}, new String[]{});
    run("half", new String[]{"CLUSTER","KEYS","TRAN_MSG","PGROUP","UNIQ_KEY","WAIT","TAGS","REAL_TOPIC","REAL_QID"}, new String[]{});
  }
}
